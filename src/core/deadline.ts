import { systemTimers, type Timers } from './ports/timers.js';

/**
 * `work`'s outcome, or `late()`'s (its value, or what it throws) when `work` has not settled within `ms`.
 * The timer never outlives the race; `work` itself is not stopped.
 */
export async function withDeadline<T, L>(
  work: Promise<T>,
  ms: number,
  late: () => L,
  timers: Pick<Timers, 'after'> = systemTimers,
): Promise<T | L> {
  let cancel: (() => void) | undefined;
  const deadline = new Promise<L>((resolve, reject) => {
    cancel = timers.after(ms, () => {
      try {
        resolve(late());
      } catch (error) {
        reject(error);
      }
    });
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    cancel?.();
  }
}
