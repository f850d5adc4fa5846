import { describe, expect, it } from 'vitest';
import { openMetadata, sealMetadata } from '../../src/slack/private-metadata.js';

const attemptId = '01JDZ7W3Q4K5M6N7P8R9S0T1V2';

describe('sealed private_metadata', () => {
  it('round-trips the attempt id under the same key', () => {
    expect(openMetadata('key-1', sealMetadata('key-1', { attemptId }))).toEqual({ attemptId });
  });

  it('refuses another key, a tampered body, a tampered mac, and junk', () => {
    const sealed = sealMetadata('key-1', { attemptId });
    const [body, mac] = sealed.split('.') as [string, string];
    const forgedBody = Buffer.from(
      JSON.stringify({ v: 1, attemptId: '01JDZ7W3Q4K5M6N7P8R9S0T1V3' }),
    ).toString('base64url');
    expect(openMetadata('key-2', sealed)).toBeNull();
    expect(openMetadata('key-1', `${forgedBody}.${mac}`)).toBeNull();
    expect(openMetadata('key-1', `${body}.${mac.slice(0, -2)}AA`)).toBeNull();
    expect(openMetadata('key-1', `${sealed}.extra`)).toBeNull();
    expect(openMetadata('key-1', '')).toBeNull();
    expect(openMetadata('key-1', undefined)).toBeNull();
    expect(openMetadata('key-1', 42)).toBeNull();
  });
});
