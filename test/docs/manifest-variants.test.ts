import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readRepoFile } from './doc-files.js';

const schema = JSON.parse(readRepoFile('test/fixtures/slack-manifest-schema/manifest.schema.1.0.0.json'));
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
const manifestText = readRepoFile('manifest.yml');
const ADDRESS_LINE = /^(\s*)# ((?:url|request_url): )https:\/\/your-host\.example\.com\/slack\/events$/gm;

// The variants docs/install.md and the manifest's own comment tell people to make.
describe('manifest.yml, changed as the install guide says', () => {
  it('for the Free plan (no function_runtime, no functions) still validates', () => {
    const free = parse(manifestText) as { settings: Record<string, unknown>; functions?: unknown };
    delete free.settings.function_runtime;
    delete free.functions;
    expect(validate(free), JSON.stringify(validate.errors)).toBe(true);
  });

  it('for HTTP mode (socket mode off, the three address lines uncommented) still validates', () => {
    expect([...manifestText.matchAll(ADDRESS_LINE)]).toHaveLength(3);
    const http = parse(
      manifestText
        .replace(ADDRESS_LINE, '$1$2https://cancel-stockin.example.com/slack/events')
        .replace('socket_mode_enabled: true', 'socket_mode_enabled: false'),
    ) as { settings: { interactivity: { request_url?: string } } };
    expect(http.settings.interactivity.request_url).toBe('https://cancel-stockin.example.com/slack/events');
    expect(validate(http), JSON.stringify(validate.errors)).toBe(true);
  });
});
