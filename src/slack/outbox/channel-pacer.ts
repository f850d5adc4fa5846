import type { Timers } from '../../core/ports/timers.js';

/**
 * One channel's queue of deliveries. They run one at a time, and every call to Slack in the channel first
 * waits for its turn (`turn`): one per interval, later when Slack asked to wait (`hold`, from Retry-After).
 */
export interface ChannelLane {
  /** How long a delivery queued now would wait for its turn, at the least. */
  backlogMs(): number;
  /** Whether a call could take its turn at once. */
  turnFree(): boolean;
  run<T>(work: (turn: () => Promise<void>) => Promise<T>): Promise<T>;
  /** Slack asked to wait this long before the next call in this channel. */
  hold(ms: number): void;
}

interface LaneState {
  queued: number;
  tail: Promise<unknown>;
  /** Monotonic time of the next free turn. */
  nextTurnAt: number;
}

/**
 * Slack takes about one message a second in a channel (short bursts allowed, then HTTP 429): the outbox keeps
 * under that by giving each channel its own lane, paced at `intervalMs` between calls, while channels run
 * side by side.
 */
export function createChannelPacer(timers: Timers, intervalMs: number) {
  const lanes = new Map<string, LaneState>();

  const stateOf = (channel: string): LaneState => {
    let state = lanes.get(channel);
    if (!state) {
      state = { queued: 0, tail: Promise.resolve(), nextTurnAt: Number.NEGATIVE_INFINITY };
      lanes.set(channel, state);
    }
    return state;
  };

  const forget = (channel: string, state: LaneState) => {
    if (state.queued === 0 && state.nextTurnAt <= timers.now()) lanes.delete(channel);
  };

  return {
    lane(channel: string): ChannelLane {
      if (lanes.size > 100) for (const [idle, state] of lanes) forget(idle, state);
      const state = stateOf(channel);
      const turn = async () => {
        const wait = state.nextTurnAt - timers.now();
        if (wait > 0) await timers.sleep(wait);
        state.nextTurnAt = Math.max(state.nextTurnAt, timers.now() + intervalMs);
      };
      return {
        backlogMs: () => state.queued * intervalMs + Math.max(0, state.nextTurnAt - timers.now()),
        turnFree: () => state.nextTurnAt <= timers.now(),
        run(work) {
          state.queued += 1;
          const result = state.tail.then(() => work(turn));
          state.tail = result
            .catch(() => undefined)
            .finally(() => {
              state.queued -= 1;
              forget(channel, state);
            });
          return result;
        },
        hold(ms) {
          state.nextTurnAt = Math.max(state.nextTurnAt, timers.now() + ms);
        },
      };
    },
    /** Channels with deliveries queued or a hold pending (for tests and logs). */
    get size() {
      return lanes.size;
    },
  };
}
