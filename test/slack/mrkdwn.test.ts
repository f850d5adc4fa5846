import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, mentionChannel, mentionUser, quoteUserText } from '../../src/slack/mrkdwn.js';

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

describe('mentions', () => {
  it.each([
    // A real id becomes a mention; anything around it must stop it being one.
    ['U0123ABC', '<@U0123ABC>'],
    ['W0123ABC', '<@W0123ABC>'],
    ['U0123ABC <!channel>', 'U0123ABC &lt;!channel&gt;'],
    ['<!channel> U0123ABC', '&lt;!channel&gt; U0123ABC'],
    ['xU0123ABC', 'xU0123ABC'],
    ['U0123ABC\n', 'U0123ABC\n'],
    ['u0123abc', 'u0123abc'],
    ['', ''],
  ])('mentionUser(%j) is %j', (input, expected) => {
    expect(mentionUser(input)).toBe(expected);
  });

  it.each([
    ['C0STOCKOPS', '<#C0STOCKOPS>'],
    ['G0PRIVATE', '<#G0PRIVATE>'],
    ['D0DIRECT', '<#D0DIRECT>'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['C0OPS>|<!here', 'C0OPS&gt;|&lt;!here'],
    ['x C0OPS', 'x C0OPS'],
    ['stock-ops', 'stock-ops'],
  ])(
    'mentionChannel(%j) is %j: a channel link only for a real channel id, else escaped text',
    (input, expected) => {
      expect(mentionChannel(input)).toBe(expected);
    },
  );
});
