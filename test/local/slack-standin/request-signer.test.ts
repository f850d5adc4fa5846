import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../support/slack-requests.js';

/** The worked example on Slack's "Verifying requests from Slack" page. */
const SLACK_DOC_EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestampSec: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

const SECRET = 'standin-signing-secret';
const NOW_SEC = 1_760_000_000;
const BODY = 'command=%2Fcancel-stockin&text=RK1+RK2';

function verifyWithBolt(body: string, headers: ReturnType<typeof signSlackRequest>, secret = SECRET): void {
  verifySlackRequest({
    signingSecret: secret,
    body,
    headers: {
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
    nowMilliseconds: NOW_SEC * 1000,
  });
}

describe('signSlackRequest', () => {
  it("reproduces the signature in Slack's documentation", () => {
    const { secret, body, timestampSec, signature } = SLACK_DOC_EXAMPLE;
    expect(signSlackRequest(secret, body, timestampSec)).toEqual({
      'x-slack-signature': signature,
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it("passes Bolt's own verifier", () => {
    expect(() => verifyWithBolt(BODY, signSlackRequest(SECRET, BODY, NOW_SEC))).not.toThrow();
  });

  it("fails Bolt's verifier when one byte of the body changes", () => {
    const headers = signSlackRequest(SECRET, BODY, NOW_SEC);
    expect(() => verifyWithBolt(BODY.replace('RK1', 'RK9'), headers)).toThrow('signature mismatch');
  });

  it("fails Bolt's verifier under another signing secret", () => {
    const headers = signSlackRequest('another-secret', BODY, NOW_SEC);
    expect(() => verifyWithBolt(BODY, headers)).toThrow('signature mismatch');
  });

  it('signs the timestamp it is given, so a stale one is refused as a replay', () => {
    const headers = signSlackRequest(SECRET, BODY, NOW_SEC - 6 * 60);
    expect(() => verifyWithBolt(BODY, headers)).toThrow('stale');
  });
});
