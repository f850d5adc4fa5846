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

/** "Cancel stock-in order…" on a message: the order numbers are read from the message. */
export const MessageShortcut = {
  callbackId: 'cancel_stockin_from_message',
} as const;

/** "Cancel stock-in order" from the shortcuts menu: a dialog asks for the numbers and the outcome channel. */
export const GlobalShortcut = {
  callbackId: 'cancel_stockin_global',
  modalCallbackId: 'cancel_stockin_global_input',
  ordersBlock: 'global_orders',
  ordersAction: 'global_orders_input',
  channelBlock: 'global_channel',
  channelAction: 'global_channel_select',
} as const;

/** The Workflow Builder custom step, as manifest.yml declares it. */
export const WorkflowStep = {
  callbackId: 'cancel_stockin_step',
  event: 'function_executed',
  inputs: {
    orderNumbers: 'order_numbers',
    reason: 'reason',
    requester: 'requester',
    outcomeChannel: 'outcome_channel',
  },
  outputs: {
    outcome: 'outcome',
    cancelled: 'cancelled',
    notCancelled: 'not_cancelled',
    auditRecordIds: 'audit_record_ids',
  },
} as const;

export const REASON_MAX_LENGTH = 500;
