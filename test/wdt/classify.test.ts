import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from '../../src/wdt/classify-error.js';
import { classifyResponse } from '../../src/wdt/classify-response.js';

const json = (body: unknown, httpStatus = 200) => ({
  httpStatus,
  contentType: 'application/json; charset=utf-8',
  text: JSON.stringify(body),
});

describe('classifyResponse', () => {
  it('reads status 0 as ok, with or without data', () => {
    expect(classifyResponse(json({ status: 0 }))).toEqual({ kind: 'ok', data: null });
    expect(classifyResponse(json({ status: 0, data: { total_count: 0 } }))).toEqual({
      kind: 'ok',
      data: { total_count: 0 },
    });
    expect(classifyResponse(json({ status: '0', data: 1 }))).toEqual({ kind: 'ok', data: 1 });
  });

  it('keeps status, code and message of a refusal', () => {
    expect(classifyResponse(json({ status: 100, code: 'right.required', message: '权限不足' }))).toEqual({
      kind: 'refused',
      status: 100,
      code: 'right.required',
      message: '权限不足',
    });
  });

  it('cuts a huge message and code to 1024 bytes of valid UTF-8, a prefix of the original (19.10)', () => {
    // 3-byte CJK characters and 4-byte emoji, so that a byte cut would land inside a character.
    const message = `入库单状态不为编辑中😀${'错'.repeat(200_000)}`;
    const answer = classifyResponse(json({ status: 100, code: `E${'9😀'.repeat(50_000)}`, message }));
    if (answer.kind !== 'refused') throw new Error(`expected a refusal, got ${answer.kind}`);
    for (const [kept, original] of [
      [answer.message, message],
      [answer.code ?? '', `E${'9😀'.repeat(50_000)}`],
    ] as const) {
      const bytes = Buffer.from(kept, 'utf8');
      expect(bytes.length).toBeLessThanOrEqual(1024);
      expect(bytes.length).toBeGreaterThan(1020);
      expect(bytes.toString('utf8')).toBe(kept);
      expect(kept).not.toContain('\uFFFD');
      expect(kept.endsWith('…')).toBe(true);
      expect(original.startsWith(kept.slice(0, -1))).toBe(true);
    }
    expect(answer.message.startsWith('入库单状态不为编辑中😀错')).toBe(true);
    const short = classifyResponse(json({ status: 100, message: '错'.repeat(341) }));
    expect(short.kind === 'refused' && short.message).toBe('错'.repeat(341));
  });

  it('treats a code-only body as a refusal, even code 0', () => {
    expect(classifyResponse(json({ code: 2102, message: '参数错误' }))).toEqual({
      kind: 'refused',
      status: null,
      code: '2102',
      message: '参数错误',
    });
    expect(classifyResponse(json({ code: 0 })).kind).toBe('refused');
  });

  it.each([
    '超过每分钟最大调用频率限制,请稍后重试',
    '超过每分钟最大调用频率限制，请稍后重试',
    '超过每分钟最大并发次数限制',
  ])('recognises the rate limit %j only with status 100', (message) => {
    expect(classifyResponse(json({ status: 100, message }))).toEqual({ kind: 'rate_limited', message });
    expect(classifyResponse(json({ status: 99, message })).kind).toBe('refused');
  });

  it.each([
    [
      { httpStatus: 502, contentType: 'text/html', text: '<html>502 /openapi?sign=abc</html>' },
      'HTTP 502 (text/html',
    ],
    [{ httpStatus: 500, contentType: null, text: '' }, 'HTTP 500 (no content type, 0 bytes)'],
    [{ httpStatus: 200, contentType: 'text/html', text: '<html>维护</html>' }, 'not JSON (text/html'],
    [{ httpStatus: 200, contentType: 'application/json', text: ' \n' }, 'empty body'],
    [json([1, 2]), 'not an object'],
    [json({ message: 'ok', data: 1 }), 'neither status nor code'],
    [json({ status: null }), 'neither status nor code'],
  ])('reports a protocol error for %j', (answer, reason) => {
    const outcome = classifyResponse(answer);
    expect(outcome).toMatchObject({ kind: 'protocol_error', httpStatus: answer.httpStatus });
    expect(outcome.kind === 'protocol_error' && outcome.reason).toContain(reason);
    expect(JSON.stringify(outcome)).not.toContain('sign=');
  });

  it('tolerates a byte-order mark before the JSON', () => {
    expect(classifyResponse({ httpStatus: 200, contentType: null, text: '\uFEFF{"status":0}' }).kind).toBe(
      'ok',
    );
  });
});

describe('classifyNetworkError', () => {
  const error = (code: string, message = 'failed http://wdt.test/openapi?sign=abc&sid=x') =>
    Object.assign(new Error(message), { code });

  it.each([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_CLOSED',
  ])('reads %s as not sent', (code) => {
    expect(classifyNetworkError(error(code))).toEqual({
      kind: 'not_sent',
      reason: expect.stringContaining(code),
    });
  });

  it.each([
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_SOCKET',
    'ECONNRESET',
    'EPIPE',
    'HPE_INVALID_CONSTANT',
  ])('reads %s as unknown', (code) => {
    expect(classifyNetworkError(error(code))).toEqual({
      kind: 'unknown',
      reason: expect.stringContaining(code),
    });
  });

  it('finds the code inside an AggregateError or a cause', () => {
    const aggregate = Object.assign(new AggregateError([error('ECONNREFUSED'), error('ECONNREFUSED')]), {});
    expect(classifyNetworkError(aggregate).kind).toBe('not_sent');
    expect(classifyNetworkError(new Error('wrapped', { cause: error('ENOTFOUND') })).kind).toBe('not_sent');
  });

  it('calls anything unrecognised unknown, never not_sent', () => {
    expect(classifyNetworkError(new TypeError('boom')).kind).toBe('unknown');
    expect(classifyNetworkError('a string').kind).toBe('unknown');
    expect(classifyNetworkError(error('ESOMETHINGNEW')).kind).toBe('unknown');
  });

  it('builds reasons from codes and names only, never from the message', () => {
    for (const code of ['ECONNREFUSED', 'UND_ERR_SOCKET', 'ESOMETHINGNEW']) {
      const reason = classifyNetworkError(error(code)).reason;
      expect(reason).not.toContain('sign');
      expect(reason).not.toContain('wdt.test');
    }
    const weird = Object.assign(new Error('x'), { code: 'sign=abc' });
    weird.name = 'http://wdt.test/?sign=abc';
    expect(classifyNetworkError(weird).reason).not.toContain('sign');
  });
});
