import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputPathFromArgs, planFromArgs } from './lib/modes.js';
import { formatReport } from './lib/report.js';
import { runBench } from './lib/run-bench.js';
import { judge } from './lib/targets.js';
import { waitForQuiet } from './lib/wait-quiet.js';

const args = process.argv.slice(2);
const plan = planFromArgs(args);
const outPath = outputPathFromArgs(args, fileURLToPath(new URL('./results/latest.json', import.meta.url)));
const log = (line: string) => process.stderr.write(`${line}\n`);

await waitForQuiet(args, log);
const results = await runBench(plan, log);
await mkdir(dirname(outPath), { recursive: true });
await writeFile(outPath, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${formatReport(results)}\n\nwrote ${outPath}\n`);
if (args.includes('--strict') && judge(results).some((verdict) => !verdict.pass)) process.exitCode = 1;
