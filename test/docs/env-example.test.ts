import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../src/config/config.js';
import { readRepoFile } from './doc-files.js';

const example = parseEnv(readRepoFile('.env.example'));
const field = (name: string) => configSchema.shape[name as keyof typeof configSchema.shape];

describe('.env.example', () => {
  it('lists exactly the variables the schema reads', () => {
    expect(Object.keys(example).sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('loads as it is: placeholders for the required values, nothing the bot refuses', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });

  it.each(Object.entries(example))(
    '%s: empty only when optional, otherwise its schema default',
    (name, value) => {
      const schemaDefault = field(name).safeParse(undefined);
      if (!schemaDefault.success) {
        expect(value, 'a required variable needs a placeholder').not.toBe('');
        return;
      }
      if (value !== '') expect(field(name).parse(value)).toEqual(schemaDefault.data);
    },
  );
});
