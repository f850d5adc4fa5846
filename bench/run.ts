import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { sourceInfo } from './lib/machine.js';
import { JUDGED_MODE, outputPathFromArgs, planFromArgs } from './lib/modes.js';
import { REPO_ROOT } from './lib/node-process.js';
import { formatReport } from './lib/report.js';
import { keepRefusal, keptResultPath, SCRATCH_PATH } from './lib/result-files.js';
import { runBench } from './lib/run-bench.js';
import { waitForQuiet } from './lib/wait-quiet.js';

const args = process.argv.slice(2);
const plan = planFromArgs(args);
const strict = args.includes('--strict');
const keep = args.includes('--keep');
const log = (line: string) => process.stderr.write(`${line}\n`);

// Refused before a run of several minutes, not after it.
if (strict && plan.mode !== JUDGED_MODE) {
  log(`--strict judges full runs only; ${plan.mode} mode runs one round and is not judged`);
  process.exit(2);
}
const refusal = keep ? keepRefusal(plan, sourceInfo()) : null;
if (refusal) {
  log(`--keep: ${refusal}`);
  process.exit(2);
}

await waitForQuiet(args, log);
const results = await runBench(plan, log);
const json = `${JSON.stringify(results, null, 2)}\n`;
const written: string[] = [];
for (const path of [
  outputPathFromArgs(args, SCRATCH_PATH),
  ...(keep ? [keptResultPath(results.finishedAt, results.source.commit)] : []),
]) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, json);
  const inRepo = relative(REPO_ROOT, path);
  written.push(inRepo.startsWith('..') ? path : inRepo);
}
process.stdout.write(`${formatReport(results)}\n\nwrote ${written.join(', ')}\n`);
if (strict && results.pass !== true) process.exitCode = 1;
