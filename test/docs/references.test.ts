import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatAge, formatHeldLocks } from '../../src/audit/cli/held-locks.js';
import { runAuditCli, USAGE } from '../../src/audit/cli.js';
import { ATTEMPT_STATES } from '../../src/core/ports/audit.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { DOC_FILES, readRepoFile } from './doc-files.js';

const docs = DOC_FILES.map((file) => ({ file, text: readRepoFile(file) }));
const allText = docs.map((doc) => doc.text).join('\n');
const scripts = Object.keys(
  (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts,
);

describe('npm scripts named in the docs', () => {
  const named = [...new Set([...allText.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!))];

  it('exist in package.json', () => {
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it('include every script, in CONTRIBUTING.md', () => {
    const contributing = readRepoFile('CONTRIBUTING.md');
    const undocumented = scripts.filter(
      (name) =>
        !name.startsWith('pre') &&
        !contributing.includes(`npm ${name === 'test' || name === 'start' ? '' : 'run '}${name}`),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('metric names in the docs', () => {
  const registry = createBotMetrics({ storeGauges: { maxAgeMs: 5_000, waitMs: 1_000 } }).registry;
  const exported = registry.getMetricsAsArray().map((metric) => metric.name);
  const ours = exported.filter((name) => name.startsWith('cancel_stockin_'));
  const named = [
    ...new Set(
      // Quoted names are not metrics (the outbox's Slack metadata event type is one).
      [...allText.matchAll(/(?<!")\b(cancel_stockin_[a-z_]+|process_[a-z_]+|nodejs_[a-z0-9_]+)\b(?!")/g)].map(
        (m) => m[1]!,
      ),
    ),
  ];
  const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

  it('exist in the registry', () => {
    expect(named.filter((name) => !exported.includes(name) && !exported.includes(base(name)))).toEqual([]);
  });

  it("include every one of the bot's own, in docs/operations.md", () => {
    const operations = readRepoFile('docs/operations.md');
    expect(ours.length).toBeGreaterThan(5);
    expect(ours.filter((name) => !operations.includes(`\`${name}`))).toEqual([]);
  });
});

/** Each audit CLI invocation written in the docs: `npm run audit -- VERB …` or `node …/audit/cli.js VERB …`. */
const invocations = [...allText.matchAll(/(?:npm run audit --|audit\/cli\.js) +([^\n`|)"]*)/g)]
  .map((m) =>
    m[1]!
      .replace(/ +#.*$/, '')
      .trim()
      .split(/ +/),
  )
  // Placeholders (`<command>`, `…`) name no verb.
  .filter(([verb]) => verb !== undefined && /^[a-z-]/.test(verb));

async function exitCodeOf(args: string[]): Promise<number> {
  return runAuditCli(args, { stdout: new PassThrough(), stderr: new PassThrough(), env: {} });
}

describe('audit CLI commands in the docs', () => {
  it('are there to check', () => {
    expect(invocations.length).toBeGreaterThan(10);
  });

  it.each(invocations.map((args) => [args.join(' '), args] as const))(
    '%s: its verb and flags exist',
    async (_, args) => {
      const [verb, ...rest] = args;
      expect(await exitCodeOf([verb!, '--help'])).toBe(0);
      // A flag takes a value, or is a switch: either way the CLI must know it.
      for (const flag of rest.filter((arg) => arg.startsWith('-'))) {
        const known =
          (await exitCodeOf([verb!, flag, 'x', '--help'])) === 0 ||
          (await exitCodeOf([verb!, flag, '--help'])) === 0;
        expect(known, flag).toBe(true);
      }
    },
  );

  it('cover every verb and flag of the CLI, in docs/audit.md', () => {
    const audit = readRepoFile('docs/audit.md');
    const verbs = [...USAGE.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    const flags = [...new Set([...USAGE.matchAll(/--[a-z-]+/g)].map((m) => m[0]))];
    expect(verbs.length).toBeGreaterThan(3);
    const missing = [
      ...verbs.filter((verb) => !audit.includes(`\`${verb}`)),
      ...flags.filter((flag) => !audit.includes(flag)),
    ];
    expect(missing).toEqual([]);
  });

  it('do not accept a verb or a flag that does not exist (the check can fail)', async () => {
    expect(await exitCodeOf(['verifi', '--help'])).toBe(2);
    expect(await exitCodeOf(['export', '--fromat', 'x', '--help'])).toBe(2);
  });
});

describe('docs/audit.md', () => {
  it('names every record state, and only those', () => {
    const table = readRepoFile('docs/audit.md').split('## Records and their states')[1]!.split('\n## ')[0]!;
    const states = [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
    expect(states.sort()).toEqual([...ATTEMPT_STATES].sort());
  });
});

describe('the held-locks example in docs/operations.md', () => {
  it('is what `audit locks` prints for that lock, column widths included', () => {
    const operations = readRepoFile('docs/operations.md');
    const block = /^```\n(ORDER {2,}ATTEMPT[\s\S]*?)```$/m.exec(operations)?.[1];
    expect(block).toBeDefined();
    const [order, attempt, state, holder, , requester, since, age] = block!
      .split('\n')[1]!
      .split(/ {2,}| \(/);
    const lock = {
      orderNo: order!,
      attemptId: attempt!,
      requesterId: requester!,
      since: since!,
      record: buildRecord({ attemptId: attempt!, state: state as 'calling', instanceId: holder! }),
    };
    const [, m, s] = /^(\d+)m(\d+)s$/.exec(age!)!.map(Number);
    const now = new Date(Date.parse(since!) + (m! * 60 + s!) * 1000);
    expect(formatAge(now.getTime() - Date.parse(since!))).toBe(age);
    expect(formatHeldLocks([lock], [], now)).toBe(block);
  });
});

describe('the user documentation', () => {
  it('keeps the README short, with its two commands', () => {
    const readme = readRepoFile('README.md');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });

  it.each(docs)('$file names no issue numbers', ({ text }) => {
    expect(text).not.toMatch(/\b(issue|pr|pull request)s? #?\d+|\(#\d+\)/i);
  });
});
