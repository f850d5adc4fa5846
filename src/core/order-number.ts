import { ORDER_NUMBER_PATTERN } from './purchase-stockin.js';

export const MAX_COMMAND_TEXT_LENGTH = 2_000;

export type OrderListParse =
  | { kind: 'help' }
  | { kind: 'orders'; orderNos: string[] }
  | { kind: 'invalid'; problem: InvalidInputProblem; sample?: string };

/** What `/cancel-stockin` reads: an order list, help, or an operator's word. */
export type CommandParse = OrderListParse | OperatorCommand;

/** What admins type (issue 18); who may run them is decided later, this only reads the words. */
export type OperatorCommand =
  | { kind: 'pause'; reason: string }
  | { kind: 'resume' }
  | { kind: 'status' }
  | { kind: 'unlock'; orderNo: string; reason: string | null };

export type InvalidInputProblem =
  | 'too_long'
  | 'bad_characters'
  | 'not_an_order_number'
  | 'too_many_orders'
  | 'reason_required'
  | 'unlock_one_order';

/** Longest reason kept for a pause or an unlock: it is shown in Slack and stored in the audit trail. */
export const MAX_REASON_LENGTH = 500;

// Controls, zero-width and bidirectional overrides have no business in an order list and can disguise one.
const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const SEPARATORS = /[\s,，、;；]+/u;
// NFKC leaves printable ASCII as it is; skipping it there spares every typed command an ICU pass.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const nfkc = (text: string) => (PRINTABLE_ASCII.test(text) ? text : text.normalize('NFKC'));

export function normaliseOrderToken(token: string): string {
  return nfkc(token).trim().replace(/^#/, '').toUpperCase();
}

/**
 * What `/cancel-stockin` accepts. Full-width letters and digits (ＲＫ２００６…) are folded to ASCII by NFKC;
 * case, surrounding spaces and a leading `#` are tolerated. Anything else — zero-width or control characters,
 * a space inside a number, other prefixes — is refused rather than guessed at: cancelling the wrong order
 * is worse than asking again.
 */
export function parseOrderList(raw: string, maxOrders: number): OrderListParse {
  const checked = checkedText(raw);
  return typeof checked === 'string' ? ordersIn(checked, maxOrders) : checked;
}

function ordersIn(checked: string, maxOrders: number): OrderListParse {
  const tokens = checked.split(SEPARATORS).filter(Boolean);
  if (tokens.length === 0) return { kind: 'help' };
  if (tokens.length === 1 && /^(help|帮助|\?|？)$/i.test(tokens[0]!)) return { kind: 'help' };

  const orderNos: string[] = [];
  for (const token of tokens) {
    const orderNo = normaliseOrderToken(token);
    if (!ORDER_NUMBER_PATTERN.test(orderNo)) {
      return { kind: 'invalid', problem: 'not_an_order_number', sample: token.slice(0, 40) };
    }
    if (!orderNos.includes(orderNo)) orderNos.push(orderNo);
  }
  if (orderNos.length > maxOrders) return { kind: 'invalid', problem: 'too_many_orders' };
  return { kind: 'orders', orderNos };
}

/** The slash command also takes the operators' words (issue 18); the shortcuts and the step take orders only. */
export function parseCommandText(raw: string, maxOrders: number): CommandParse {
  const checked = checkedText(raw);
  if (typeof checked !== 'string') return checked;
  return parseOperatorCommand(checked.trim()) ?? ordersIn(checked, maxOrders);
}

/** The text folded to one line, or why it is refused whole. */
function checkedText(raw: string): string | OrderListParse {
  if (raw.length > MAX_COMMAND_TEXT_LENGTH) return { kind: 'invalid', problem: 'too_long' };
  const withoutLineBreaks = raw.replace(/\r?\n/g, ' ').replace(/\t/g, ' ');
  if (HIDDEN_CHARACTERS.test(withoutLineBreaks)) return { kind: 'invalid', problem: 'bad_characters' };
  return nfkc(withoutLineBreaks);
}

const OPERATOR_WORDS: Record<string, OperatorCommand['kind']> = {
  pause: 'pause',
  暂停: 'pause',
  resume: 'resume',
  恢复: 'resume',
  status: 'status',
  状态: 'status',
  unlock: 'unlock',
  解锁: 'unlock',
};

// Checked first so that an order list never pays for the word split below.
const OPERATOR_START = /^(pause|resume|status|unlock|暂停|恢复|状态|解锁)(\s|$)/iu;

/** `pause <reason>`, `resume`, `status`, `unlock RK… [reason]`; null when the text is not one of them. */
function parseOperatorCommand(text: string): CommandParse | null {
  if (!OPERATOR_START.test(text)) return null;
  const match = /^(\S+)(?:\s+([\s\S]*))?$/u.exec(text);
  const kind = match ? OPERATOR_WORDS[match[1]!.toLowerCase()] : undefined;
  if (!match || !kind) return null;
  const rest = (match[2] ?? '').replace(/\s+/gu, ' ').trim();
  const reason = rest.slice(0, MAX_REASON_LENGTH);
  switch (kind) {
    case 'resume':
    case 'status':
      return { kind };
    case 'pause':
      return reason ? { kind, reason } : { kind: 'invalid', problem: 'reason_required' };
    case 'unlock': {
      const [first = '', ...others] = rest.split(' ');
      const orderNo = normaliseOrderToken(first);
      if (!ORDER_NUMBER_PATTERN.test(orderNo)) {
        return { kind: 'invalid', problem: 'unlock_one_order', sample: first.slice(0, 40) };
      }
      const unlockReason = others.join(' ').slice(0, MAX_REASON_LENGTH).trim();
      return { kind, orderNo, reason: unlockReason || null };
    }
  }
}

export type MessageScan =
  | { kind: 'orders'; orderNos: string[] }
  | { kind: 'none' }
  | { kind: 'invalid'; problem: Extract<InvalidInputProblem, 'bad_characters' | 'too_many_orders'> };

// A number stands alone: no Latin letter or digit may touch it on either side (RK2006030008 inside
// XRK2006030008 or RK20060300081234… is not that order). Chinese text runs into it without spaces
// (入库单RK2006030008已到货), so other scripts may.
const ORDER_IN_TEXT = /(?<![\p{Script=Latin}\p{N}])#?RK[0-9]{6,24}(?![\p{Script=Latin}\p{N}])/giu;

/**
 * The order numbers written in a message (its text and its blocks' text), for the message shortcut. The same
 * folding and pattern as the command, but prose around the numbers is allowed. A message that carries hidden
 * characters is refused whole, as the command refuses them: one inside a number could shorten it to another.
 */
export function findOrderNumbers(texts: readonly string[], maxOrders: number): MessageScan {
  const orderNos: string[] = [];
  for (const raw of texts) {
    const text = raw.replace(/\r?\n/g, ' ').replace(/\t/g, ' ');
    if (HIDDEN_CHARACTERS.test(text)) return { kind: 'invalid', problem: 'bad_characters' };
    for (const match of nfkc(text).matchAll(ORDER_IN_TEXT)) {
      const orderNo = normaliseOrderToken(match[0]);
      if (ORDER_NUMBER_PATTERN.test(orderNo) && !orderNos.includes(orderNo)) orderNos.push(orderNo);
    }
  }
  if (orderNos.length === 0) return { kind: 'none' };
  if (orderNos.length > maxOrders) return { kind: 'invalid', problem: 'too_many_orders' };
  return { kind: 'orders', orderNos };
}
