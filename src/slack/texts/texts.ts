import type { InvalidInputProblem } from '../../core/order-number.js';
import type { AccessDecision } from '../../core/policy.js';
import type { AttemptState } from '../../core/ports/audit.js';
import type { OperatorTexts } from './operator.js';
import type { OutboxTexts } from './outbox.js';
import type { UnlockTexts } from './unlock.js';

type DenialReason = Extract<AccessDecision, { allowed: false }>['reason'];

/** Every user-facing string, per language. Values are plain text or mrkdwn *templates*; callers escape. */
export interface Texts {
  locale: 'en' | 'zh-CN';
  /** Pause, resume, status (issue 18), and what a pause tells the people it refuses. */
  operator: OperatorTexts;
  usageTitle: string;
  usage: (command: string) => string;
  invalid: Record<InvalidInputProblem, (sample: string, max: number) => string>;
  denied: Record<DenialReason, (askWhom: string) => string>;
  askWhomDefault: string;
  /** A non-admin typed `pause`, `resume`, `status` or `unlock`: refused and recorded. */
  notAdmin: Record<Exclude<DenialReason, 'channel_not_allowed'>, (subcommand: string) => string>;
  /** A signed request from a workspace, organisation or app this bot is not bound to: refused, nothing done. */
  foreignWorkspace: string;
  modalTitle: string;
  modalSubmit: string;
  modalClose: string;
  modalDone: string;
  modalIntro: string;
  labelOrder: string;
  labelEnvironment: string;
  labelOutcomeChannel: string;
  labelReason: string;
  reasonPlaceholder: string;
  reasonHint: string;
  reasonRequired: string;
  reasonTooLong: (max: number) => string;
  environmentKinds: Record<'production' | 'test' | 'other', string>;
  cancellingTitle: string;
  cancelling: (orderNo: string) => string;
  stateHeadline: Record<AttemptState, string>;
  labelRequester: string;
  labelOutcome: string;
  labelTime: string;
  labelDuration: string;
  labelAuditId: string;
  /** The audit chain's newest entry when the message was posted: a copy of the head kept in Slack. */
  chainHead: (seq: number, hash: string) => string;
  /** The periodic witness posted to AUDIT_CHANNEL_ID; `at` is an ISO 8601 UTC time. */
  chainWitness: (seq: number, hash: string, at: string) => string;
  labelWdtAnswer: string;
  labelApprovers: string;
  outcomeDetail: Partial<Record<AttemptState, string>>;
  rateLimitedAdvice: string;
  /**
   * While an attempt awaits its verdict: what WDT shows now (a status label, when known) and when the verdict
   * comes (a time, already formatted).
   */
  verdictPending: (statusNow: string | null, at: string) => string;
  operatorProblem: string;
  fallbackNotice: (channel: string, error: string) => string;
  duplicateSubmission: string;
  notRequester: string;
  unknownRequest: string;
  busy: (orderNo: string, holder: string) => string;
  auditUnavailable: string;
  shuttingDown: string;
  tooBusy: string;
  modalFailed: (error: string) => string;
  unexpected: string;
  // Preview
  lookingUpTitle: string;
  lookingUp: (orders: string) => string;
  previewIntroBatch: (total: number, cancellable: number) => string;
  previewPeerNote: (minutes: number) => string;
  labelStatus: string;
  labelWarehouse: string;
  labelSupplier: string;
  labelPurchaseNo: string;
  labelGoodsAndAmount: string;
  goodsAndAmount: (count: string, amount: string) => string;
  labelCreated: string;
  labelModified: string;
  labelOperator: string;
  labelRemark: string;
  labelDetails: string;
  moreDetails: (count: number) => string;
  notCancellable: (status: string) => string;
  notFound: (days: number) => string;
  notFoundAllowed: (days: number) => string;
  lookupFailed: (reason: string) => string;
  excluded: string;
  nothingToCancel: string;
  modalSubmitBatch: (count: number) => string;
  modalSubmitPeer: string;
  leftEditingBeforeCall: (status: string) => string;
  // Batch / approval message
  approvalHeadline: (count: number) => string;
  approvalExpires: (time: string) => string;
  approveButton: string;
  rejectButton: string;
  runningHeadline: (count: number) => string;
  approvedBy: (who: string) => string;
  rejectedBy: (who: string) => string;
  expiredHeadline: (minutes: number) => string;
  requesterRevokedHeadline: string;
  doneHeadline: (summary: string) => string;
  labelBatch: string;
  labelOrders: string;
  labelRejection: string;
  selfApproval: string;
  notApprover: string;
  sealExpired: string;
  sealWrongPurpose: string;
  requesterNoLongerAllowed: string;
  alreadyDecided: string;
  approvalExpired: string;
  awaitingApproval: (channel: string) => string;
  batchRunning: (channel: string) => string;
  rejectModalTitle: string;
  rejectSubmit: string;
  rejectReasonLabel: string;
  rejectReasonPlaceholder: string;
  // Help and App Home
  helpTitle: string;
  helpMayRequest: string;
  helpMayApprove: string;
  helpMayNothing: (askWhom: string) => string;
  helpModeSelf: string;
  helpModePeer: (minutes: number) => string;
  helpExamples: (command: string, max: number) => string;
  helpApproveHow: string;
  homeTitle: string;
  homeYourRequests: string;
  homeNoRequests: string;
  homePending: string;
  homeNoPending: string;
  homeRecentCancellations: string;
  homeChannelsUnknown: string;
  homeNoCancellations: string;
  // Shortcuts and the Workflow Builder step
  noOrdersInMessage: string;
  globalIntro: string;
  labelOrderNumbers: string;
  orderNumbersPlaceholder: string;
  orderNumbersHint: (max: number) => string;
  globalNext: string;
  ordersRequired: string;
  stepBadInput: string;
  stepNoOrders: string;
  /** The step's `outcome` output: how many of the orders were cancelled, then a line per order. */
  stepOutcome: (cancelled: number, total: number, lines: string) => string;
  /** The step's error when none was cancelled. */
  stepNothingCancelled: (lines: string) => string;
  /** `unlock` (issue 18). */
  unlock: UnlockTexts;
  /** A message the bot owed, given up (told to the audit channel). */
  outbox: OutboxTexts;
}
