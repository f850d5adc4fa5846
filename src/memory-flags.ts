import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings that keep the bot's resident memory near the framework's own (what each saves, and what it
 * costs in GC time, is measured in BENCHMARKS.md):
 * - `--liftoff-only`: undici parses HTTP with WebAssembly, and V8 re-compiles that parser with TurboFan in
 *   the background a moment after the first outbound call, which takes native memory of its own. The bot
 *   reads a few responses a second; the baseline compiler's code is fast enough.
 * - `--heap-growing-percent=50`: after each major GC the old generation may grow by half, not by up to
 *   4×. A burst of acks promotes short-lived request objects; they are collected sooner, not hoarded.
 * Both are read when used (the parser is compiled on undici's first connection), so setting them before the
 * bot makes its first call is enough. Best effort: a runtime that refuses a flag runs as before.
 * The young generation's cap (`--max-semi-space-size=4`) cannot be set here: V8 sizes it when the heap is
 * created, so it is on the command line that `npm start` runs.
 */
export function boundMemory(): void {
  for (const flag of ['--liftoff-only', '--heap-growing-percent=50']) {
    try {
      setFlagsFromString(flag);
    } catch {
      // not fatal: the bot works the same, with a higher peak
    }
  }
}

/**
 * The audit store's thread allocates a little for every request it serves and keeps almost nothing: its young
 * generation need not grow like the main thread's. V8 sizes a heap when it is created, from the flag (which
 * wins over a worker's `resourceLimits`): the flag is lowered until the thread's heap exists, then given back
 * its value, so threads started later are not affected. Returns that restore.
 */
export function boundThreadMemory(): () => void {
  const SEMI = '--max-semi-space-size=';
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].findLast((arg) =>
    arg.startsWith(SEMI),
  );
  try {
    setFlagsFromString(`${SEMI}1`);
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      setFlagsFromString(given ?? `${SEMI}0`);
    } catch {
      // not fatal: later threads get the small young generation too
    }
  };
}
