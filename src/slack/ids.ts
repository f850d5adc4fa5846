/** Every Block Kit id this app uses, written once and shared by builders, parsers and registration. */
export const COMMAND = '/cancel-stockin' as const;

export const ConfirmModal = {
  callbackId: 'cancel_stockin_confirm',
  reasonBlock: 'reason',
  reasonAction: 'reason_input',
} as const;

/** Every dialog without a submit: "Looking up…", "Cancelling…", an outcome, a refusal. The id is kept as deployed. */
export const StatusModal = {
  callbackId: 'cancel_stockin_result',
} as const;

export const Approval = {
  actionsBlock: 'approval_actions',
  approveAction: 'approval_approve',
  rejectAction: 'approval_reject',
} as const;

export const RejectModal = {
  callbackId: 'cancel_stockin_reject',
  reasonBlock: 'reject_reason',
  reasonAction: 'reject_reason_input',
} as const;

export const HomeEvent = 'app_home_opened' as const;

export const REASON_MAX_LENGTH = 500;
