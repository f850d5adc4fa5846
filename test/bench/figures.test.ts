import { describe, expect, it } from 'vitest';
import { figureParts, pairedRatios, shedAckMainCpuUs } from '../../bench/lib/figures.js';
import { judgeFigure } from '../../bench/lib/targets.js';
import {
  commandLevel,
  commandRun,
  confirmLevel,
  confirmRun,
  latency,
  measurements,
  viewsOpening,
  viewsOpenRun,
} from './bench-fixtures.js';

describe('pairedRatios', () => {
  it('divides each round of the bot by the same round of the floor', () => {
    expect(pairedRatios([2, 3, 4], [1, 1, 2], (x) => x)).toEqual([2, 3, 2]);
  });

  it('gives NaN for a round the floor did not run', () => {
    expect(pairedRatios([2, 3], [1], (x) => x)).toEqual([2, Number.NaN]);
  });
});

describe('figureParts', () => {
  it('judges views.open at c = 50 on the steady commands, and the burst at c = 50 and c = 200', () => {
    const bot = (burstP99: number, steadyP99: number) =>
      [steadyP99, steadyP99 + 1, steadyP99 + 2].map((steady) =>
        commandRun({ viewsOpen: viewsOpenRun({ burstP99, steadyP99: steady }) }),
      );
    const parts = figureParts(
      measurements({
        commandPath: [
          commandLevel(1, { bot: bot(5, 2), floor: [commandRun(), commandRun(), commandRun()] }),
          commandLevel(50, { bot: bot(400, 30), floor: [commandRun(), commandRun(), commandRun()] }),
          commandLevel(200, { bot: bot(900, 300), floor: [commandRun(), commandRun(), commandRun()] }),
        ],
      }),
    );
    expect(parts.viewsOpenSteadyP99Ms).toEqual([{ label: 'c=50', values: [30, 31, 32] }]);
    expect(parts.viewsOpenBurstP99Ms).toEqual([
      { label: 'c=50', values: [400, 400, 400] },
      { label: 'c=200', values: [900, 900, 900] },
    ]);
    // c = 200's steady p99 of 300 ms is not judged; its burst is, against 1 s.
    expect(judgeFigure('viewsOpenSteadyP99Ms', parts.viewsOpenSteadyP99Ms).pass).toBe(true);
    expect(judgeFigure('viewsOpenBurstP99Ms', parts.viewsOpenBurstP99Ms).value).toBe(900);
  });

  it('pairs the confirm path CPU per confirmation (all threads) round by round', () => {
    const bot = [3, 4.5, 3.3].map((allMs) => confirmRun({ cpuPerConfirm: { allMs, mainMs: 1 } }));
    const floor = [1, 1.4, 1.5].map((allMs) => confirmRun({ cpuPerConfirm: { allMs, mainMs: 0.5 } }));
    const parts = figureParts(measurements({ confirmPath: [confirmLevel(50, { bot, floor })] }));
    const [ratios] = parts.confirmCpuRatioVsFloorAtC50;
    expect(ratios?.values.map((v) => Number(v.toFixed(3)))).toEqual([3, 3.214, 2.2]);
    const figure = judgeFigure('confirmCpuRatioVsFloorAtC50', parts.confirmCpuRatioVsFloorAtC50);
    expect(figure.value).toBe(3);
    expect(figure.pass).toBe(true);
  });

  it('judges the c = 200 ack path by main-thread CPU per shed ack, the admitted dialogs taken out', () => {
    // 10 000 acks, 100 admitted: 1.6 s of main-thread CPU, of which the dialogs took 100 × 5 ms.
    const bot = commandRun({
      ack: latency({ count: 10_000 }),
      shedShare: 0.99,
      cpuPerRequest: { allMs: 0.3, mainMs: 0.16 },
    });
    const floor = (mainMs: number) => commandRun({ cpuPerRequest: { allMs: 0.2, mainMs } });
    const parts = figureParts(
      measurements({
        commandPath: [
          commandLevel(200, { bot: [bot, bot, bot], floor: [floor(0.1), floor(0.12), floor(0.09)] }),
        ],
        confirmPath: [
          confirmLevel(50, {
            bot: [confirmRun(), confirmRun(), confirmRun()],
            floor: [confirmRun(), confirmRun(), confirmRun()],
            opening: [5, 5, 5].map((mainMs) => viewsOpening({ cpuPerCommand: { allMs: 7, mainMs } })),
          }),
        ],
      }),
    );
    const [shedUs] = parts.ackShedMainCpuUsAtC200[0]?.values ?? [];
    expect(shedUs).toBeCloseTo(((1_600 - 500) / 9_900) * 1000);
    expect(parts.ackFloorMainCpuUsAtC200[0]?.values).toEqual([100, 120, 90]);
    const figure = judgeFigure('ackMainCpuRatioVsFloorAtC200', parts.ackMainCpuRatioVsFloorAtC200);
    expect(figure.value).toBeCloseTo(111.1 / 100, 2);
    expect(figure.pass).toBe(true);
  });

  it('has no shed-ack figure when the dialogs took all of a run’s CPU, or were never measured', () => {
    const bot = commandRun({
      ack: latency({ count: 1_000 }),
      shedShare: 0.9,
      cpuPerRequest: { allMs: 1, mainMs: 0.5 },
    });
    expect(shedAckMainCpuUs(bot, 5)).toBeNaN();
    expect(shedAckMainCpuUs(bot, Number.NaN)).toBeNaN();
    expect(shedAckMainCpuUs(bot, 4)).toBeCloseTo((100 / 900) * 1000);
  });

  it('takes sustained confirmations per second and the c = 50 →WDT ratio from the bot’s rounds', () => {
    const bot = [180, 260, 240].map((confirmsPerSec) =>
      confirmRun({ confirmsPerSec, toWdt: { count: 300, p50: 80, p99: 160, max: 170, mean: 81 } }),
    );
    const floor = [0, 1, 2].map(() =>
      confirmRun({ toWdt: { count: 300, p50: 48, p99: 80, max: 90, mean: 50 } }),
    );
    const parts = figureParts(measurements({ confirmPath: [confirmLevel(50, { bot, floor })] }));
    expect(judgeFigure('confirmsPerSecAtC50', parts.confirmsPerSecAtC50)).toMatchObject({
      value: 240,
      pass: true,
    });
    expect(parts.confirmToWdtP99RatioVsFloorAtC50[0]?.values).toEqual([2, 2, 2]);
  });

  it('gives a level the run did not measure no values, so its figures are missing', () => {
    const parts = figureParts(measurements({ confirmPath: [] }));
    expect(parts.confirmToWdtP99AtC1Ms).toEqual([{ label: 'c=1', values: [] }]);
    expect(judgeFigure('confirmToWdtP99AtC1Ms', parts.confirmToWdtP99AtC1Ms).pass).toBe(false);
  });

  it('weighs CPU per admitted command over a round’s dialog openings by their commands', () => {
    const level = (commands: number, allMs: number) =>
      confirmLevel(commands === 100 ? 1 : 50, {
        bot: [confirmRun()],
        floor: [confirmRun()],
        opening: [viewsOpening({ commands, cpuPerCommand: { allMs, mainMs: allMs / 2 } })],
      });
    const parts = figureParts(measurements({ confirmPath: [level(100, 4), level(300, 8)] }));
    expect(parts.admittedCommandCpuMs).toEqual([{ label: 'dialogs', values: [7] }]);
    expect(parts.admittedCommandMainCpuMs).toEqual([{ label: 'dialogs', values: [3.5] }]);
  });

  it('judges start-up on the built entry when the run built it', () => {
    expect(figureParts(measurements()).startupMs).toEqual([{ label: 'built', values: [390, 400, 410] }]);
  });
});
