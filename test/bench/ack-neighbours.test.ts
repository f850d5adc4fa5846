import { describe, expect, it } from 'vitest';
import { ackNeighbours, QUIET_DISTANCE } from '../../bench/lib/ack-neighbours.js';

const shed = (latencyMs: number) => ({ latencyMs, admitted: false });
const admitted = (latencyMs: number) => ({ latencyMs, admitted: true });

describe('ackNeighbours', () => {
  it('separates the ack right after an admitted command from the undisturbed ones', () => {
    // 0..29 shed at 0.5 ms; 30 admitted; 31 (its follower) 2 ms; then shed at 0.5 ms again up to 59.
    const answers = Array.from({ length: 60 }, (_, i) =>
      i === 30 ? admitted(0.5) : i === 31 ? shed(2) : shed(0.5),
    );
    const result = ackNeighbours(answers);
    expect(result.afterAdmittedP50).toBe(2);
    expect(result.undisturbedP99).toBe(0.5);
    // 31..39 are within QUIET_DISTANCE of request 30.
    expect(result.nearAdmittedShare).toBeCloseTo((QUIET_DISTANCE - 1) / 60);
  });

  it('counts an ack as undisturbed only once it is far enough from every admitted command', () => {
    const answers = [admitted(0.4), ...Array.from({ length: QUIET_DISTANCE - 1 }, () => shed(9)), shed(0.4)];
    const result = ackNeighbours(answers);
    expect(result.undisturbedP99).toBe(0.4);
    expect(result.nearAdmittedShare).toBeCloseTo((QUIET_DISTANCE - 1) / answers.length);
  });

  it('skips failed requests and gives NaN where there is nothing to measure', () => {
    const result = ackNeighbours([shed(0.3), undefined, shed(0.3)]);
    expect(result.afterAdmittedP50).toBeNaN();
    expect(result.undisturbedP99).toBe(0.3);
    expect(result.nearAdmittedShare).toBe(0);
  });
});
