import { runDoctor } from './doctor/run-doctor.js';

// `npm run doctor`, or `node dist/src/doctor.js` where tsx is not installed: the checks, then their exit code.
runDoctor(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  write: (text) => process.stdout.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`doctor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
