import type { Texts } from './texts.js';

export const en: Texts = {
  locale: 'en',
  usageTitle: 'How to cancel a purchase stock-in order',
  usage: (command) =>
    [
      `*Usage:* \`${command} RK2006030008\``,
      'Give one stock-in order number (RK followed by digits). Case, spaces and a leading # do not matter;',
      'full-width characters are accepted. A confirmation dialog shows the order before anything happens.',
      `\`${command} help\` shows this message.`,
    ].join('\n'),
  invalid: {
    too_long: (_s, _m) => 'That is far too long to be a stock-in order number.',
    bad_characters: () =>
      'The text contains hidden or control characters; please type the order number again.',
    not_an_order_number: (sample) =>
      `\`${sample}\` is not a stock-in order number (expected RK followed by digits).`,
    too_many_orders: (_s, max) => `At most ${max} order numbers at a time.`,
  },
  denied: {
    nobody_configured: () =>
      'Nobody is allowed to cancel stock-in orders yet: the operator has not configured an allowlist (CANCEL_ALLOWED_USERS or CANCEL_ALLOWED_USERGROUPS).',
    not_listed: (ask) => `You are not allowed to cancel stock-in orders; ask ${ask} to add you.`,
    channel_not_allowed: () =>
      'Stock-in orders cannot be cancelled from this channel. Use one of the allowed channels.',
    directory_unavailable: () =>
      'Slack could not confirm your user group membership right now, so the cancel is refused. Try again in a minute.',
  },
  askWhomDefault: 'the bot operator',
  modalTitle: 'Cancel stock-in order',
  modalSubmit: 'Cancel order',
  modalClose: 'Keep order',
  modalDone: 'Close',
  modalIntro: 'This cancels the purchase stock-in order in WangDianTong. It cannot be undone from Slack.',
  labelOrder: 'Order',
  labelEnvironment: 'WDT environment',
  labelOutcomeChannel: 'Outcome posted to',
  labelReason: 'Reason',
  reasonPlaceholder: 'Why must this order be cancelled?',
  reasonHint: 'Required. Recorded in the audit trail and shown in the channel.',
  reasonRequired: 'Please give a reason.',
  reasonTooLong: (max) => `Keep the reason under ${max} characters.`,
  environmentKinds: { production: 'PRODUCTION', test: 'vendor test environment', other: 'custom endpoint' },
  cancellingTitle: 'Cancelling…',
  cancelling: (orderNo) => `Cancelling *${orderNo}*… The outcome will be posted in the channel.`,
  stateHeadline: {
    requested: 'Requested',
    confirmed: 'Confirmed',
    approved: 'Approved',
    calling: 'In progress',
    cancelled: 'Cancelled',
    refused: 'Refused by WDT',
    failed: 'Failed before reaching WDT',
    unknown: 'Outcome unknown',
    denied: 'Not allowed',
    rejected: 'Rejected',
    expired: 'Expired',
    reconciled_cancelled: 'Cancelled (confirmed after restart)',
    reconciled_not_cancelled: 'Not cancelled (confirmed after restart)',
  },
  labelRequester: 'Requested by',
  labelOutcome: 'Outcome',
  labelTime: 'Time',
  labelDuration: 'WDT call took',
  labelAuditId: 'Audit record',
  labelWdtAnswer: 'WDT answered',
  labelApprovers: 'Approved by',
  outcomeDetail: {
    cancelled: 'WDT cancelled the stock-in order.',
    refused: 'WDT refused the cancel; nothing was changed.',
    failed: 'The request never reached WDT; nothing was changed.',
    unknown:
      'WDT did not answer in time. The order may or may not be cancelled: do NOT retry blindly. Check the order in WDT; the bot will not retry on its own.',
    reconciled_cancelled: 'After a restart the bot asked WDT: the order is cancelled.',
    reconciled_not_cancelled: 'After a restart the bot asked WDT: the order is NOT cancelled.',
  },
  rateLimitedAdvice: 'WDT is rate limiting calls; try again in a minute.',
  operatorProblem:
    'This looks like a configuration problem (credentials, environment or IP whitelist): tell the bot operator.',
  fallbackNotice: (channel, error) =>
    `I could not post the outcome in ${channel} (${error}), so here it is. The audit record is kept.`,
  duplicateSubmission: 'This confirmation was already received; the order is cancelled at most once.',
  notRequester: 'Only the person who asked can confirm this cancel.',
  unknownRequest: 'This confirmation does not match any request the bot knows. Start again with the command.',
  busy: (orderNo, holder) =>
    `${orderNo} is already being cancelled (requested by ${holder}). Nothing else was done.`,
  auditUnavailable:
    'The bot cannot write its audit record right now, so nothing was cancelled. Try again shortly.',
  shuttingDown: 'The bot is restarting; nothing was cancelled. Try again in a minute.',
  modalFailed: (error) =>
    `Slack could not open the confirmation dialog (${error}). Nothing was cancelled; run the command again.`,
  unexpected:
    'Something went wrong inside the bot; nothing was cancelled. The operator can find details in the logs.',
};
