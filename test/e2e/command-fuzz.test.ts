import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/core/order-number.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';

const RUNS = 10_000;
const CONCURRENCY = 25;
const ACK_WINDOW_MS = 3_000;

const validOrder = fc.stringMatching(/^RK[0-9]{6,24}$/);
const commandText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => s.repeat(600)) },
  { weight: 1, arbitrary: fc.array(validOrder, { minLength: 2, maxLength: 40 }).map((o) => o.join(' ')) },
  { weight: 1, arbitrary: validOrder.map((o) => `${o.slice(0, 2)} ${o.slice(2)}`) },
  { weight: 1, arbitrary: validOrder.map((o) => `${o}\u200b`) },
  { weight: 1, arbitrary: validOrder.map((o) => `\u202e${o}`) },
  {
    weight: 1,
    arbitrary: validOrder.map((o) =>
      o.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '<!channel>',
      '<!here|here>',
      '<@U0BOSS>',
      '<https://evil.example|RK2006030008>',
    ),
  },
  { weight: 1, arbitrary: validOrder },
);

describe(`${RUNS} generated command texts through the real app`, () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // About parsing, not back-pressure: let every valid command in.
    stack = await startLocalStack({
      logLevel: 'silent',
      env: { COMMANDS_PER_SECOND: '1000', COMMAND_BURST: '1000', COMMANDS_IN_FLIGHT: '1000' },
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('always acks in time, never crashes, and opens a dialog only for a valid order', async () => {
    const texts = fc.sample(commandText, { numRuns: RUNS, seed: 20261128 });
    let valid = 0;
    let slowest = 0;
    for (let i = 0; i < texts.length; i += CONCURRENCY) {
      await Promise.all(
        texts.slice(i, i + CONCURRENCY).map(async (text) => {
          const expected = parseCommandText(text, stack.config.MAX_BATCH);
          const started = performance.now();
          const answer = await stack.command(text);
          slowest = Math.max(slowest, performance.now() - started);
          expect(answer.statusCode).toBe(200);
          if (expected.kind === 'orders') {
            valid += 1;
            expect(answer.text).toBe('');
          } else {
            expect(answer.json).toMatchObject({ response_type: 'ephemeral' });
            const reply = JSON.stringify(answer.json);
            expect(reply).not.toContain('<!channel>');
            expect(reply).not.toContain('<!here');
            expect(reply).not.toContain('<@U0BOSS>');
          }
        }),
      );
    }
    expect(valid).toBeGreaterThan(100);
    expect(slowest).toBeLessThan(ACK_WINDOW_MS);
    await expect
      .poll(() => stack.slack.callsTo('views.open').length, { timeout: 60_000, interval: 50 })
      .toBe(valid);
    expect(stack.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel')).toHaveLength(0);
  }, 300_000);
});
