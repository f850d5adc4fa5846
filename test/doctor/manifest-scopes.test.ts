import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANIFEST_BOT_SCOPES } from '../../src/doctor/manifest-scopes.js';

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
};

describe('the scopes the doctor expects', () => {
  it('are exactly the bot scopes manifest.yml asks for', () => {
    expect([...MANIFEST_BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });
});
