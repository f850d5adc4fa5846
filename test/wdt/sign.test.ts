import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signRequest, splitAppSecret, wdtTimestamp } from '../../src/wdt/sign.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Vectors computed outside this code base; where each was computed is in its `source` (see test/fixtures/README.md). */
const FIXTURE_VECTORS = path.resolve(repoRoot, 'test/fixtures/sign-vectors.jsonl');

const vectorSchema = z.object({
  source: z.string(),
  appsecret: z.string(),
  query: z.record(z.string(), z.string()),
  body: z.string(),
  sign: z.string().regex(/^[0-9a-f]{32}$/),
});
type SignVector = z.infer<typeof vectorSchema>;

function readVectors(file: string): SignVector[] {
  if (!existsSync(file)) throw new Error(`sign vectors not found at ${file}`);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.map((line) => vectorSchema.parse(JSON.parse(line)));
}

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, got none');
}

const label = (vector: SignVector) => `${vector.query.method} ${vector.body} (${vector.source})`;

describe('sign vectors', () => {
  const vectors = readVectors(FIXTURE_VECTORS);

  it('carries the five vectors, each saying where it was computed', () => {
    expect(vectors).toHaveLength(5);
    for (const vector of vectors) expect(vector.source).toMatch(/public (PHP|Go) SDK/);
  });

  it.each(vectors.map((vector) => [label(vector), vector] as const))('reproduces %s', (_label, vector) => {
    const { secret, salt } = splitAppSecret(vector.appsecret);
    expect(vector.query.salt).toBe(salt);
    expect(signRequest(secret, vector.query, vector.body)).toBe(vector.sign);
  });
});

describe('signRequest', () => {
  const params = { sid: 's', key: 'k', salt: 'salt', method: 'm', v: '1.0', timestamp: '100' };

  it('ignores a sign already among the parameters', () => {
    expect(signRequest('secret', { ...params, sign: 'whatever' }, '[]')).toBe(
      signRequest('secret', params, '[]'),
    );
  });

  it('signs the exact body bytes: whitespace and escaping change the sign', () => {
    const compact = signRequest('secret', params, '["RK1"]');
    expect(signRequest('secret', params, '[ "RK1" ]')).not.toBe(compact);
    expect(signRequest('secret', params, '["RK\\u0031"]')).not.toBe(compact);
  });

  it('does not depend on the order the parameters were given in', () => {
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    expect(signRequest('secret', reversed, '[]')).toBe(signRequest('secret', params, '[]'));
  });

  it('is lowercase hex md5 of secret + sorted key/value pairs (body included) + secret', () => {
    // md5("x" + "body[]" + "ka" + "x"), computed independently.
    expect(signRequest('x', { k: 'a' }, '[]')).toBe('a8cbc64292130f69917727e77c693f54');
  });
});

describe('splitAppSecret', () => {
  it('splits at the first colon: the salt may contain colons', () => {
    expect(splitAppSecret('secret:salt:with:colons')).toEqual({ secret: 'secret', salt: 'salt:with:colons' });
  });

  it.each(['no-colon-here', ':onlysalt', 'onlysecret:'])('refuses %j without repeating it', (value) => {
    const error = thrownBy(() => splitAppSecret(value));
    expect(error.message).toContain('secret:salt');
    expect(error.message).not.toContain(value);
  });
});

describe('wdtTimestamp', () => {
  it('is zero at 2012-01-01 00:00:00 Beijing time', () => {
    expect(wdtTimestamp(new Date('2012-01-01T00:00:00+08:00'))).toBe(0);
  });

  it('counts whole seconds, flooring milliseconds', () => {
    expect(wdtTimestamp(new Date('2012-01-01T00:00:01.999+08:00'))).toBe(1);
    expect(wdtTimestamp(new Date('2026-11-28T12:00:00Z'))).toBe(1_795_867_200 - 1_325_347_200);
  });
});
