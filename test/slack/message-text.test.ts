import { describe, expect, it } from 'vitest';
import { findOrderNumbers } from '../../src/core/order-number.js';
import { messageTexts } from '../../src/slack/message-text.js';

const ORDER = 'RK2006030008';

/** A legacy attachment with the order number in `where` only, the rest filled as an alert forwarder does. */
function attachmentWithOrderIn(where: string): Record<string, unknown> {
  const attachment: Record<string, unknown> = {
    color: '#d00000',
    pretext: '旺店通告警',
    title: '采购入库异常',
    text: '到货数量与采购单不符',
    fallback: '旺店通告警：采购入库异常',
    fields: [{ title: '仓库', value: 'WH01', short: true }],
    footer: 'wdt-alerts',
  };
  if (where === 'field') attachment.fields = [{ title: '入库单号', value: ORDER, short: true }];
  else attachment[where] = `入库单 ${ORDER}`;
  return attachment;
}

describe('messageTexts', () => {
  it.each(['pretext', 'title', 'text', 'fallback', 'field'])(
    "finds an order number that lives only in an attachment's %s",
    (where) => {
      const texts = messageTexts({ text: '', attachments: [attachmentWithOrderIn(where)] });
      expect(findOrderNumbers(texts, 20)).toEqual({ kind: 'orders', orderNos: [ORDER] });
    },
  );

  it('reads blocks inside an attachment, and nothing an attachment does not show', () => {
    const texts = messageTexts({
      attachments: [
        {
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'RK2006030009' } }],
          footer: 'RK2006020003',
          author_name: 'RK2006020004',
          actions: [{ type: 'button', text: 'Open', value: 'RK2006020005' }],
          fields: [{ title: 'RK2006020006', value: 'WH01' }],
        },
      ],
    });
    expect(findOrderNumbers(texts, 20)).toEqual({ kind: 'orders', orderNos: ['RK2006030009'] });
  });

  it('reads the text, then the blocks, then the attachments, and skips what is not an attachment', () => {
    const texts = messageTexts({
      text: 'a',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'b' } }],
      attachments: [null, 'c', 7, { text: 'd', fields: [null, { value: 8 }, { value: 'e' }] }],
    });
    expect(texts).toEqual(['a', 'b', 'd', 'e']);
  });

  it('keeps the same bound on pieces whatever carries them', () => {
    const many = Array.from({ length: 5_000 }, () => ({
      text: 'x',
      fallback: 'y',
      fields: [{ value: 'z' }],
    }));
    expect(messageTexts({ attachments: many })).toHaveLength(2_000);
    const deep = { attachments: [{ blocks: nest(20, { text: 'hidden' }) }] };
    expect(messageTexts(deep)).toEqual([]);
  });

  it('refuses the whole message when an attachment hides a character inside a number', () => {
    const texts = messageTexts({ text: ORDER, attachments: [{ fallback: 'RK200603\u200b0009' }] });
    expect(findOrderNumbers(texts, 20)).toEqual({ kind: 'invalid', problem: 'bad_characters' });
  });
});

function nest(levels: number, leaf: object): unknown {
  let node: unknown = leaf;
  for (let i = 0; i < levels; i++) node = { elements: [node] };
  return node;
}
