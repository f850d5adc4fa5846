import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The flag must be set before the context that reads `gc` is made; each thread calling this gets its own.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A full collection of the calling thread's heap, between runs. The bench's own threads (the stand-ins, the
 * load generator) pile up garbage from every run; left alone, their major collections fall inside later
 * runs (one of 54 ms on the stand-ins' thread during a bot run at c = 200), taking a core from the target
 * and, on the generator's thread, holding up the clock that times its answers.
 */
export function collectGarbage(): void {
  gc();
}
