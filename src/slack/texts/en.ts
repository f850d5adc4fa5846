import { operatorEn } from './operator.js';
import { outboxEn } from './outbox.js';
import type { Texts } from './texts.js';
import { unlockEn } from './unlock.js';

export const en: Texts = {
  operator: operatorEn,
  locale: 'en',
  usageTitle: 'How to cancel a purchase stock-in order',
  usage: (command) =>
    [
      `*Usage:* \`${command} RK2006030008\``,
      'Give one or more stock-in order numbers (RK followed by digits), separated by spaces, commas or new',
      'lines. Case and a leading # do not matter; full-width characters are accepted. A dialog shows each',
      'order as WangDianTong sees it before anything happens.',
      `\`${command} help\` shows this message.`,
    ].join('\n'),
  invalid: {
    too_long: (_s, _m) => 'That is far too long to be a stock-in order number.',
    bad_characters: () =>
      'The text contains hidden or control characters; please type the order number again.',
    not_an_order_number: (sample) =>
      `\`${sample}\` is not a stock-in order number (expected RK followed by digits).`,
    too_many_orders: (_s, max) => `At most ${max} order numbers at a time.`,
    reason_required: () =>
      'Say why: `/cancel-stockin pause <reason>`. The reason is recorded in the audit trail.',
    unlock_one_order: () => 'Name one order: `/cancel-stockin unlock RK… [reason]`.',
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
  notAdmin: {
    nobody_configured: (sub) =>
      `\`${sub}\` is for operators, and none is configured (CANCEL_ADMINS or CANCEL_ADMIN_USERGROUPS). Nothing was changed; your attempt was recorded.`,
    not_listed: (sub) => `Only operators may use \`${sub}\`. Nothing was changed; your attempt was recorded.`,
    directory_unavailable: (sub) =>
      `Could not check whether you may use \`${sub}\` (Slack's user groups did not answer). Nothing was changed; please try again.`,
  },
  askWhomDefault: 'the bot operator',
  foreignWorkspace:
    'This bot serves only the workspace it is installed in. The request was refused and recorded; nothing was done.',
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
    awaiting_verdict: 'Outcome not known yet',
    cancelled: 'Cancelled',
    refused: 'Refused by WDT',
    failed: 'Failed before reaching WDT',
    unknown: 'Outcome unknown',
    denied: 'Not allowed',
    rejected: 'Rejected',
    expired: 'Expired',
    reconciled_cancelled: 'Cancelled (checked with WDT)',
    reconciled_not_cancelled: 'Not cancelled (checked with WDT)',
    released_unverified: 'Lock released by an operator (outcome not verified)',
  },
  labelRequester: 'Requested by',
  labelOutcome: 'Outcome',
  labelTime: 'Time',
  labelDuration: 'WDT call took',
  labelAuditId: 'Audit record',
  chainHead: (seq, hash) => `Audit chain head: entry #${seq} \`${hash}\``,
  chainWitness: (seq, hash, at) =>
    `Audit chain witness: entry #${seq} \`${hash}\` is the newest as of ${at}. Keep this message: \`npm run audit -- verify --witness-slack\` checks the database against it.`,
  labelWdtAnswer: 'WDT answered',
  labelApprovers: 'Approved by',
  outcomeDetail: {
    cancelled: 'WDT cancelled the stock-in order.',
    refused: 'WDT refused the cancel; nothing was changed.',
    failed: 'The request never reached WDT; nothing was changed.',
    unknown:
      'WDT did not answer in time. The order may or may not be cancelled: do NOT retry blindly. Check the order in WDT; the bot will not retry on its own.',
    awaiting_verdict:
      'The outcome of this call is not known yet: WDT gave no readable answer, or the bot process making the call stopped answering. The order stays locked, so nobody can cancel it twice meanwhile.',
    reconciled_cancelled: 'The bot lost track of the call and asked WDT: the order is cancelled.',
    reconciled_not_cancelled:
      'The bot lost track of the call and asked WDT once no request it had signed could still be accepted: the order is NOT cancelled.',
    released_unverified:
      'An operator released the order: WDT could not say whether the call went through. Check the order in WDT before cancelling it again.',
  },
  rateLimitedAdvice: 'WDT is rate limiting calls; try again in a minute.',
  verdictPending: (statusNow, at) =>
    `${statusNow ? `WDT shows the order in status ${statusNow} now. ` : ''}A cancel the bot signed could still reach WDT until ${at}; the bot asks WDT again then and posts the verdict here.`,
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
  tooBusy: 'The bot is too busy to open the dialog in time; nothing was done. Run the command again.',
  modalFailed: (error) =>
    `Slack could not open the confirmation dialog (${error}). Nothing was cancelled; run the command again.`,
  unexpected:
    'Something went wrong inside the bot; nothing was cancelled. The operator can find details in the logs.',
  lookingUpTitle: 'Looking up…',
  lookingUp: (orders) => `:mag: Looking up ${orders} in WangDianTong…`,
  previewIntroBatch: (total, cancellable) =>
    `${cancellable} of ${total} orders can be cancelled. Orders marked :no_entry: are excluded and will not be sent to WDT.`,
  previewPeerNote: (minutes) =>
    `Confirming posts an approval request in the channel: another allowed person must approve within ${minutes} minutes.`,
  labelStatus: 'Status',
  labelWarehouse: 'Warehouse',
  labelSupplier: 'Supplier',
  labelPurchaseNo: 'Purchase order',
  labelGoodsAndAmount: 'Goods · amount',
  goodsAndAmount: (count, amount) => `${count} pcs · ¥${amount}`,
  labelCreated: 'Created',
  labelModified: 'Last modified',
  labelOperator: 'Operator',
  labelRemark: 'Remark',
  labelDetails: 'Lines',
  moreDetails: (count) => `…and ${count} more`,
  notCancellable: (status) =>
    `:no_entry: This order is in status *${status}*. Only orders in *20 编辑中 (editing)* can be cancelled, so nothing will be sent to WDT.`,
  notFound: (days) =>
    `:grey_question: Not found in the last ${days} days. Check the number; it cannot be confirmed without a match.`,
  notFoundAllowed: (days) =>
    `:warning: Not found in the last ${days} days. You may still confirm (ALLOW_UNVERIFIED); WDT refuses what it cannot cancel.`,
  lookupFailed: (reason) =>
    `:warning: Could not look the order up in WDT (${reason}). You may still confirm: WDT itself refuses to cancel an order that is not in editing state.`,
  excluded: 'excluded',
  nothingToCancel: 'None of these orders can be cancelled. Nothing will be sent to WDT.',
  modalSubmitBatch: (count) => `Cancel ${count} orders`,
  modalSubmitPeer: 'Request approval',
  leftEditingBeforeCall: (status) =>
    `Not cancelled: the order is now in status ${status}; no cancel was sent.`,
  approvalHeadline: (count) => `:hourglass_flowing_sand: Approval needed: cancel ${count} stock-in order(s)`,
  approvalExpires: (time) =>
    `Expires ${time}. Only an allowed approver other than the requester may approve.`,
  approveButton: 'Approve',
  rejectButton: 'Reject',
  runningHeadline: (count) => `:arrows_counterclockwise: Cancelling ${count} stock-in order(s)…`,
  approvedBy: (who) => `Approved by ${who}.`,
  rejectedBy: (who) => `:x: Rejected by ${who}. Nothing was sent to WDT.`,
  expiredHeadline: (minutes) =>
    `:alarm_clock: Expired: nobody approved within ${minutes} minutes. Nothing was sent to WDT.`,
  doneHeadline: (summary) => `Finished: ${summary}`,
  requesterRevokedHeadline:
    ':no_entry: Closed: the person who asked may no longer cancel stock-in orders. Nothing was sent to WDT.',
  labelBatch: 'Batch',
  labelOrders: 'Orders',
  labelRejection: 'Rejection reason',
  selfApproval:
    'You cannot approve your own request: another allowed approver must do it. Your click was recorded.',
  notApprover: 'You are not allowed to approve stock-in cancels. Your click was recorded.',
  sealExpired:
    'This dialog or button is too old to be used and was refused; nothing was done. Run /cancel-stockin again.',
  sealWrongPurpose:
    'This dialog or button carries data meant for another step and was refused; nothing was done. Run /cancel-stockin again.',
  requesterNoLongerAllowed:
    'The person who asked may no longer cancel stock-in orders (their access was withdrawn, or could not be checked just now), so this request was not approved and nothing was sent to WDT. Your click was recorded.',
  alreadyDecided: 'This request has already been decided; nothing changed.',
  approvalExpired:
    'This approval request has expired; nothing was sent to WDT. Ask for a new one with the command.',
  awaitingApproval: (channel) =>
    `Approval requested in ${channel}. The order is cancelled only once someone else approves.`,
  batchRunning: (channel) => `Cancelling… Results are posted in ${channel}, one line per order.`,
  rejectModalTitle: 'Reject cancel request',
  rejectSubmit: 'Reject',
  rejectReasonLabel: 'Why reject?',
  rejectReasonPlaceholder: 'Shown to the requester and kept in the audit trail',
  helpTitle: 'Cancel stock-in: what you can do',
  helpMayRequest: ':white_check_mark: You may *request* cancels.',
  helpMayApprove: ':white_check_mark: You may *approve or reject* other people’s requests.',
  helpMayNothing: (ask) => `You may not request or approve stock-in cancels here. Ask ${ask} if you need to.`,
  helpModeSelf: '*Approval mode:* self. Your own confirmation in the dialog is enough.',
  helpModePeer: (minutes) =>
    `*Approval mode:* peer. After you confirm, another allowed person must approve in the channel within ${minutes} minutes.`,
  helpExamples: (command, max) =>
    [
      '*Examples:*',
      `\`${command} RK2006030008\``,
      `\`${command} RK2006030008 RK2006030009, RK2006030010\``,
      `At most ${max} orders per command; duplicates are dropped.`,
    ].join('\n'),
  helpApproveHow: 'Approve or reject with the buttons on the request message, or in this app’s Home tab.',
  homeTitle: 'Cancel stock-in',
  homeYourRequests: 'Your recent requests',
  homeNoRequests: 'You have made no requests yet.',
  homePending: 'Waiting for your approval',
  homeNoPending: 'Nothing is waiting for your approval.',
  homeRecentCancellations: 'Recent cancellations in your channels',
  homeChannelsUnknown:
    'The bot could not check which channels you are in just now, so recent cancellations are not shown. Open this tab again in a minute.',
  homeNoCancellations: 'No cancellations yet.',
  noOrdersInMessage:
    'This message holds no stock-in order number, so there is nothing to cancel. An order number is RK followed by 6 to 24 digits, for example `RK2006030008`.',
  globalIntro:
    'Type the stock-in order numbers and choose where the outcome goes. The next step shows each order as WangDianTong sees it; nothing is cancelled until you confirm there.',
  labelOrderNumbers: 'Order numbers',
  orderNumbersPlaceholder: 'RK2006030008 RK2006030009',
  orderNumbersHint: (max) =>
    `RK followed by digits; separate several with spaces, commas or new lines (at most ${max}).`,
  globalNext: 'Look up',
  ordersRequired: 'Type at least one order number.',
  stepBadInput:
    'The step was started without the inputs it needs (order numbers, reason, requester and outcome channel). Nothing was cancelled.',
  stepNoOrders: 'The step got no order number, so nothing was cancelled.',
  stepOutcome: (cancelled, total, lines) => `Cancelled ${cancelled} of ${total}.\n${lines}`,
  stepNothingCancelled: (lines) => `No order was cancelled.\n${lines}`,
  unlock: unlockEn,
  outbox: outboxEn,
};
