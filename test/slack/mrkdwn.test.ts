import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, mentionUser, quoteUserText } from '../../src/slack/mrkdwn.js';

describe('escaping user text for mrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
  ])('escapes %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('keeps quoted text from closing a code span', () => {
    expect(quoteUserText('`x` <!here>')).toBe('ˋxˋ &lt;!here&gt;');
  });

  it('only turns real user ids into mentions', () => {
    expect(mentionUser('U0123ABC')).toBe('<@U0123ABC>');
    expect(mentionUser('<!channel>')).toBe('&lt;!channel&gt;');
  });
});
