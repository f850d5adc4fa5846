import { median, summarize } from './stats.js';

/** Acks this many requests or more after the last admitted command count as undisturbed by it. */
export const QUIET_DISTANCE = 10;

export interface AckNeighbours {
  /** Median ack of the command sent right after an admitted one. */
  afterAdmittedP50: number;
  /** p99 of the acks at least `QUIET_DISTANCE` requests after any admitted command. */
  undisturbedP99: number;
  /** Share of acks that came 1 to `QUIET_DISTANCE - 1` requests after an admitted command. */
  nearAdmittedShare: number;
}

/**
 * At concurrency 1 each request is sent only after the previous answer, so the acks are a strict sequence
 * and each one can be placed after the last command the bot admitted. That separates the ack path's own
 * latency from the post-ack work of admitted commands, which runs on the same event loop.
 * `answers[i]` is request i's ack (undefined if it failed).
 */
export function ackNeighbours(
  answers: ReadonlyArray<{ latencyMs: number; admitted: boolean } | undefined>,
): AckNeighbours {
  const afterAdmitted: number[] = [];
  const undisturbed: number[] = [];
  let near = 0;
  let answered = 0;
  let lastAdmitted = Number.NEGATIVE_INFINITY;
  for (const [index, answer] of answers.entries()) {
    if (answer === undefined) continue;
    answered++;
    const distance = index - lastAdmitted;
    if (distance === 1) afterAdmitted.push(answer.latencyMs);
    if (distance >= QUIET_DISTANCE) undisturbed.push(answer.latencyMs);
    else near++;
    if (answer.admitted) lastAdmitted = index;
  }
  return {
    afterAdmittedP50: median(afterAdmitted),
    undisturbedP99: summarize(undisturbed).p99,
    nearAdmittedShare: answered === 0 ? Number.NaN : near / answered,
  };
}
