import { parentPort } from 'node:worker_threads';
import { monotonicMs } from './clock.js';
import { collectGarbage } from './collect-garbage.js';
import type { CommandLoadRequest, CommandLoadResult } from './command-load-protocol.js';
import { runClosedLoop } from './load-generator.js';
import { slashCommandRequest, turnedAway } from './slack-requests.js';

/** The command path's load generator, on its own thread: see `command-load-thread.ts` for why. */
parentPort!.on('message', async (request: CommandLoadRequest) => {
  collectGarbage(); // the last run's answers, before this run's clock starts
  const triggerIds: string[] = [];
  const sentAtMs: number[] = [];
  const answers: CommandLoadResult['answers'] = [];
  let seq = 0;
  const result = await runClosedLoop({
    origin: request.origin,
    path: '/slack/events',
    concurrency: request.concurrency,
    durationMs: request.durationMs,
    prepare: () => {
      const prepared = slashCommandRequest(
        `${request.responseUrlPrefix}L${++seq}`,
        request.signingSecret,
        request.orderNo,
      );
      if (!request.recordSends) return prepared;
      return {
        ...prepared,
        onSend: () => {
          triggerIds.push(prepared.triggerId);
          sentAtMs.push(monotonicMs());
        },
      };
    },
    // The bot's back-pressure answers in the ack body; an admitted command's ack is empty.
    onAnswer: (index, body, latencyMs) => {
      answers[index] = { latencyMs, admitted: !turnedAway(body) };
    },
  });
  const reply: CommandLoadResult = { result, answers, triggerIds, sentAtMs };
  parentPort!.postMessage(reply);
});
