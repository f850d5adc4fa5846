import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { configuredSecrets } from '../config/secrets.js';
import { type Clock, systemClock } from '../core/ports/clock.js';
import { EnvFileError, type EnvFileResult, loadEnvFile } from '../env-file.js';
import { createLogger, makeScrubber } from '../logger.js';
import { auditChecks } from './audit-checks.js';
import { type CheckResult, check, exitCodeOf, formatCheck, summaryOf } from './check.js';
import { policyChecks } from './policy-checks.js';
import { slackChecks } from './slack-checks.js';
import { DEFAULT_SLACK_API_URL, makeSlackCall } from './slack-web-api.js';
import { wdtChecks } from './wdt-checks.js';

const DOCTOR_USAGE = `Usage: npm run doctor   (production: node dist/src/doctor.js)

Checks, with the configuration the bot would use (./.env and the environment), everything a first cancel
needs: the configuration, the Slack token and its app and scopes, Socket Mode, WDT (reachable, credentials,
IP whitelist, clock, a read-only query; never a cancel), the audit store and its chain, and who may cancel.
One line per check: PASS, FAIL (with what to do), WARN, INFO or SKIP.

Exit codes: 0 every check a cancel needs passed, 1 a check failed, 2 bad arguments.
`;

const SLACK_TIMEOUT_MS = 10_000;

interface DoctorIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  write: (text: string) => void;
  clock?: Clock;
}

/** Runs every check and prints one line each; resolves with the exit code. */
export async function runDoctor(argv: readonly string[], io: DoctorIo): Promise<number> {
  if (argv.length > 0) {
    const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h');
    io.write(help ? DOCTOR_USAGE : `doctor: unexpected ${JSON.stringify(argv[0])}\n\n${DOCTOR_USAGE}`);
    return help ? 0 : 2;
  }
  const loaded = readConfig(io);
  if (!('config' in loaded)) {
    for (const result of loaded.problems) io.write(`${formatCheck(result)}\n`);
    io.write(`${summaryOf(loaded.problems)}\n`);
    return 1;
  }
  const { config } = loaded;
  const scrub = makeScrubber(configuredSecrets(config));
  const results: CheckResult[] = [];
  const report = (found: readonly CheckResult[]) => {
    for (const result of found) io.write(`${scrub(formatCheck(result))}\n`);
    results.push(...found);
  };
  const logger = createLogger({ level: 'silent' });
  const clock = io.clock ?? systemClock;
  report([check('pass', 'Configuration', describeSource(loaded.envFile, io.cwd))]);
  const call = makeSlackCall(config.SLACK_API_URL ?? DEFAULT_SLACK_API_URL, SLACK_TIMEOUT_MS);
  report(await slackChecks(config, { call, timeoutMs: SLACK_TIMEOUT_MS }));
  report(await wdtChecks(config, { clock, logger }));
  report(await auditChecks(config, { cwd: io.cwd, logger }));
  report(policyChecks(config));
  io.write(`${summaryOf(results)}\n`);
  return exitCodeOf(results);
}

function readConfig(io: DoctorIo): { config: Config; envFile: EnvFileResult } | { problems: CheckResult[] } {
  try {
    const envFile = loadEnvFile({ cwd: io.cwd, env: io.env });
    return { config: loadConfig(io.env), envFile };
  } catch (error) {
    if (error instanceof ConfigError) {
      return {
        problems: error.problems.map((problem) =>
          check('fail', 'Configuration', `${problem} (docs/configuration.md)`),
        ),
      };
    }
    if (error instanceof EnvFileError) return { problems: [check('fail', 'Configuration', error.message)] };
    throw error;
  }
}

function describeSource(envFile: EnvFileResult, cwd: string): string {
  if (envFile.path === null) return `valid; no .env in ${cwd}: the environment only`;
  const wins = envFile.keptFromEnvironment;
  const overridden = wins.length === 0 ? '' : `; the environment set ${wins.join(', ')}`;
  return `valid; read ${envFile.path} (${envFile.applied.length} variables${overridden})`;
}
