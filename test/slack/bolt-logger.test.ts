import { LogLevel } from '@slack/bolt';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { toBoltLogger } from '../../src/slack/bolt-logger.js';

function boltLoggerAt(level: string) {
  const lines: Array<{ level: number; msg: string; component: string }> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { bolt: toBoltLogger(logger), lines };
}

/** An argument that counts how often it is turned into text. */
function countingPart() {
  const part = { encoded: 0, toJSON: () => ({ n: ++part.encoded }) };
  return part;
}

describe('toBoltLogger', () => {
  it('does not encode the arguments of a debug line that will not be written', () => {
    const { bolt, lines } = boltLoggerAt('info');
    const part = countingPart();
    bolt.debug('request received', part);
    expect(part.encoded).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes debug lines, joined, once the level allows them', () => {
    const { bolt, lines } = boltLoggerAt('info');
    bolt.setLevel(LogLevel.DEBUG);
    const part = countingPart();
    bolt.debug('request received', part);
    expect(part.encoded).toBe(1);
    expect(lines).toMatchObject([{ msg: 'request received {"n":1}', component: 'bolt' }]);
  });

  it('writes warnings at the default level, errors reduced to name and message', () => {
    const { bolt, lines } = boltLoggerAt('info');
    bolt.warn('listener failed', new TypeError('boom'));
    expect(lines).toMatchObject([{ level: 40, msg: 'listener failed TypeError: boom' }]);
  });
});
