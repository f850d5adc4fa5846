import { describe, expect, it } from 'vitest';
import { openMetadata, sealMetadata } from '../../src/slack/private-metadata.js';

const attemptId = '01JDZ7W3Q4K5M6N7P8R9S0T1V2';

describe('sealed private_metadata', () => {
  it('round-trips the attempt ids under the same key', () => {
    expect(openMetadata('key-1', sealMetadata('key-1', { attemptIds: [attemptId] }))).toEqual({
      attemptIds: [attemptId],
    });
  });

  it('seals the 20 attempt ids of a full batch within a button value (2000) and private_metadata (3000)', () => {
    const attemptIds = Array.from(
      { length: 20 },
      (_, i) => `01JDZ7W3Q4K5M6N7P8R9S0T1${String(i).padStart(2, '0')}`,
    );
    const sealed = sealMetadata('key-1', { attemptIds });
    expect(sealed.length).toBeLessThanOrEqual(2000);
    expect(openMetadata('key-1', sealed)).toEqual({ attemptIds });
  });

  it('refuses another key, a tampered body, a tampered mac, and junk', () => {
    const sealed = sealMetadata('key-1', { attemptIds: [attemptId] });
    const [body, mac] = sealed.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ v: 2, ids: ['01JDZ7W3Q4K5M6N7P8R9S0T1V3'] })).toString(
      'base64url',
    );
    expect(openMetadata('key-2', sealed)).toBeNull();
    expect(openMetadata('key-1', `${forgedBody}.${mac}`)).toBeNull();
    expect(openMetadata('key-1', `${body}.${mac.slice(0, -2)}AA`)).toBeNull();
    expect(openMetadata('key-1', `${sealed}.extra`)).toBeNull();
    expect(openMetadata('key-1', '')).toBeNull();
    expect(openMetadata('key-1', undefined)).toBeNull();
    expect(openMetadata('key-1', 42)).toBeNull();
  });
});
