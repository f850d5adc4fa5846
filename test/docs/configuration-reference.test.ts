import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config/config.js';
import { readRepoFile } from './doc-files.js';

type Name = keyof typeof configSchema.shape;

interface Entry {
  name: string;
  /** The text after `- Default: `, or `required`. */
  default: string | null;
  example: string | null;
  range: string | null;
  values: string | null;
}

/** Each `### \`NAME\`` section of docs/configuration.md with its `- Key: value` lines. */
function referenceEntries(markdown: string): Entry[] {
  return markdown
    .split(/^### /m)
    .slice(1)
    .map((section) => {
      const line = (key: string) => new RegExp(`^- ${key}: (.+)$`, 'm').exec(section)?.[1] ?? null;
      return {
        name: /^`([A-Z_]+)`/.exec(section)?.[1] ?? section.split('\n')[0]!,
        default: /^- Required$/m.test(section) ? 'required' : line('Default'),
        example: line('Example'),
        range: line('Range'),
        values: line('Values'),
      };
    });
}

const REQUIRED = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-3',
  SLACK_SIGNING_SECRET: 'signing-secret',
  WDT_SID: 'sid',
  WDT_APP_KEY: 'key',
  WDT_APP_SECRET: 'secret:salt',
};
const field = (name: string) => configSchema.shape[name as Name];
const parses = (name: string, value: string | undefined) => field(name).safeParse(value).success;
const backticked = (text: string) => [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

const entries = referenceEntries(readRepoFile('docs/configuration.md'));

describe('docs/configuration.md', () => {
  it('has one entry per variable of the schema, and no other', () => {
    expect(entries.map((entry) => entry.name).sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it.each(entries)('$name: its default is the schema default', (entry) => {
    expect(entry.default, 'a "- Required" or "- Default: …" line').not.toBeNull();
    const text = entry.default!;
    const schemaDefault = field(entry.name).safeParse(undefined);
    if (text === 'required') {
      expect(schemaDefault.success).toBe(false);
    } else if (text.startsWith('`')) {
      expect(field(entry.name).parse(backticked(text)[0])).toEqual(schemaDefault.data);
    } else if (text.startsWith('not set')) {
      expect(schemaDefault).toMatchObject({ success: true, data: undefined });
    } else {
      expect(text).toMatch(/^empty/);
      expect(schemaDefault).toMatchObject({ success: true, data: [] });
    }
  });

  it.each(entries)('$name: its example is accepted by the bot', (entry) => {
    const [name, ...value] = (backticked(entry.example ?? '')[0] ?? '').split('=');
    expect(name).toBe(entry.name);
    expect(value.join('=')).not.toBe('');
    expect(() => loadConfig({ ...REQUIRED, [entry.name]: value.join('=') })).not.toThrow();
  });

  it.each(entries.filter((entry) => entry.range !== null))(
    '$name: its range is the schema range',
    (entry) => {
      const [low, high] = /^(\d+)–(\d+)$/.exec(entry.range!)!.slice(1).map(Number) as [number, number];
      expect(parses(entry.name, String(low))).toBe(true);
      expect(parses(entry.name, String(high))).toBe(true);
      expect(parses(entry.name, String(low - 1))).toBe(false);
      expect(parses(entry.name, String(high + 1))).toBe(false);
    },
  );

  it.each(entries.filter((entry) => entry.values !== null))(
    '$name: every value listed is accepted',
    (entry) => {
      for (const value of backticked(entry.values!)) expect(parses(entry.name, value), value).toBe(true);
      expect(parses(entry.name, 'not-a-listed-value')).toBe(false);
    },
  );
});
