import { z } from 'zod';
import { WDT_TEST_BASE_URL } from '../wdt/environment.js';
import { transportProblems } from './transport.js';

const csvIds = (pattern: RegExp, what: string) =>
  z
    .string()
    .default('')
    .transform((raw) =>
      raw
        .split(/[\s,]+/)
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => pattern.test(id)), {
      message: `must be a comma-separated list of ${what}`,
    });

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const flag = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');

export const configSchema = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().min(8, 'must be the app signing secret'),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
    .optional(),
  SLACK_APP_ID: z
    .string()
    .regex(/^A[A-Z0-9]{2,}$/, 'must be a Slack app id like A0123456')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_API_URL: z.url().optional(),
  WDT_SID: z.string().min(1, 'is required (the WDT seller account)'),
  WDT_APP_KEY: z.string().min(1, 'is required (the WDT appkey)'),
  WDT_APP_SECRET: z.string().regex(/^[^:]+:.+$/, 'must be the WDT appsecret in the form secret:salt'),
  WDT_BASE_URL: z.url().default(WDT_TEST_BASE_URL),
  WDT_TIMEOUT_MS: positiveInt(10_000, 120_000),
  // Transport (issue 19.1): see transport.ts for which plain-HTTP URLs are accepted.
  WDT_ALLOW_HTTP: flag,
  AUDIT_DB_PATH: z.string().min(1).default('./data/audit.db'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  AUDIT_CHANNEL_ID: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123456')
    .optional(),
  CANCEL_ALLOWED_USERS: csvIds(/^[UW][A-Z0-9]{2,}$/, 'Slack user ids like U0123456'),
  CANCEL_ALLOWED_USERGROUPS: csvIds(/^S[A-Z0-9]{2,}$/, 'Slack user group ids like S0123456'),
  CANCEL_ALLOWED_CHANNELS: csvIds(/^[CGD][A-Z0-9]{2,}$/, 'Slack channel ids like C0123456'),
  LOOKUP_DAYS: positiveInt(30, 365),
  ALLOW_UNVERIFIED: flag,
  APPROVAL_MODE: z.enum(['self', 'peer']).default('self'),
  CANCEL_APPROVERS: csvIds(/^[UW][A-Z0-9]{2,}$/, 'Slack user ids like U0123456'),
  CANCEL_APPROVER_GROUPS: csvIds(/^S[A-Z0-9]{2,}$/, 'Slack user group ids like S0123456'),
  // Operators (issue 18): who may pause, resume and unlock. Being an admin does not allow cancelling.
  CANCEL_ADMINS: csvIds(/^[UW][A-Z0-9]{2,}$/, 'Slack user ids like U0123456'),
  CANCEL_ADMIN_USERGROUPS: csvIds(/^S[A-Z0-9]{2,}$/, 'Slack user group ids like S0123456'),
  APPROVAL_TTL_MINUTES: positiveInt(30, 7 * 24 * 60),
  AUDIT_WITNESS_MINUTES: positiveInt(15, 24 * 60),
  MAX_BATCH: positiveInt(20, 20),
  SHUTDOWN_GRACE_MS: positiveInt(15_000, 600_000),
  COMMANDS_PER_SECOND: positiveInt(20, 1_000),
  COMMAND_BURST: positiveInt(10, 1_000),
  COMMANDS_IN_FLIGHT: positiveInt(64, 1_000),
  BOT_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  // Metrics and the listen address (issue 16).
  HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (it guards /metrics)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<z.output<typeof configSchema>>;

/** Every missing or bad variable, one per line, naming the variable but never echoing its value. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * `NAME=` (or only spaces) in `.env`, a compose file or the environment means "not set": the default applies,
 * and a required variable is reported missing. `.env.example` leaves optional values empty on purpose.
 */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') set[name] = value;
  return set;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(withoutEmptyValues(env));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      return missing ? `${name} is missing` : `${name} ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const transport = transportProblems(result.data);
  if (transport.length > 0) throw new ConfigError(transport);
  return Object.freeze(result.data);
}
