import { describe, expect, it } from 'vitest';
import { witnessesFromLog, witnessesFromSlackExport } from '../../src/audit/cli/witness-sources.js';
import { createLogger } from '../../src/logger.js';
import { textsFor } from '../../src/slack/texts/index.js';
import { buildAuditFooter } from '../../src/slack/views/audit-footer.js';
import { memoryLog } from '../support/memory-log.js';

const H1 = 'a'.repeat(64);
const H2 = `${'0123456789abcdef'.repeat(3)}${'f'.repeat(16)}`;

describe('witnesses read from Slack exports', () => {
  it('finds heads in result-message footers and witness posts, in English and Chinese, text or blocks', () => {
    const footer = buildAuditFooter(textsFor('zh-CN'), { method: 'm', wdtHost: 'h' }, { seq: 7, hash: H1 });
    const day = [
      { type: 'message', text: 'Stock-in cancelled', blocks: [footer] },
      { type: 'message', text: textsFor('en').chainWitness(12, H2, '2024-05-01T04:15:00.000Z') },
      { type: 'message', user: 'U0HUMAN', text: 'lunch?' },
    ];
    expect(witnessesFromSlackExport(JSON.stringify(day))).toEqual([
      { seq: 7, hash: H1 },
      { seq: 12, hash: H2 },
    ]);
  });

  it('reads one message per line and a conversations.history answer alike', () => {
    const message = { text: textsFor('zh-CN').chainWitness(3, H2.toUpperCase(), 'x') };
    expect(witnessesFromSlackExport(`${JSON.stringify(message)}\n\n${JSON.stringify(message)}\n`)).toEqual([
      { seq: 3, hash: H2 },
    ]);
    expect(witnessesFromSlackExport(JSON.stringify({ ok: true, messages: [message] }))).toEqual([
      { seq: 3, hash: H2 },
    ]);
  });

  it('takes no hash longer than 64 digits and no message without a head', () => {
    expect(
      witnessesFromSlackExport(JSON.stringify([{ text: `entry #5 \`${H1}0\`` }, { text: '#5' }])),
    ).toEqual([]);
  });
});

describe('witnesses read from the bot log', () => {
  it("takes every 'audit entry committed' line, also behind a shipper's prefix, and nothing else", () => {
    const log = memoryLog();
    const logger = createLogger({ destination: log.destination });
    // The shape the composition root logs for every committed entry (src/app.ts, onCommitted).
    logger.info(
      { audit: { seq: 1, hash: H1, event: 'requested', attemptId: 'A1' } },
      'audit entry committed',
    );
    logger.info({ audit: { seq: 2, hash: H2, event: 'denied', attemptId: 'A2' } }, 'audit entry committed');
    logger.info({ audit: { seq: 3, hash: 'short' } }, 'audit entry committed');
    logger.info({ seq: 4, hash: H1 }, 'something else');
    const [first, ...rest] = log.lines;
    const content = [`2024-05-01T04:00:00Z stdout F ${first}`, 'not json at all', ...rest].join('\n');
    expect(witnessesFromLog(content)).toEqual([
      { seq: 1, hash: H1 },
      { seq: 2, hash: H2 },
    ]);
  });
});
