import type { InvalidInputProblem } from '../../core/order-number.js';
import type { AccessDecision } from '../../core/policy.js';
import type { AttemptState } from '../../core/ports/audit.js';

type DenialReason = Extract<AccessDecision, { allowed: false }>['reason'];

/** Every user-facing string, per language. Values are plain text or mrkdwn *templates*; callers escape. */
export interface Texts {
  locale: 'en' | 'zh-CN';
  usageTitle: string;
  usage: (command: string) => string;
  invalid: Record<InvalidInputProblem, (sample: string, max: number) => string>;
  denied: Record<DenialReason, (askWhom: string) => string>;
  askWhomDefault: string;
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
  labelWdtAnswer: string;
  labelApprovers: string;
  outcomeDetail: Partial<Record<AttemptState, string>>;
  rateLimitedAdvice: string;
  operatorProblem: string;
  fallbackNotice: (channel: string, error: string) => string;
  duplicateSubmission: string;
  notRequester: string;
  unknownRequest: string;
  busy: (orderNo: string, holder: string) => string;
  auditUnavailable: string;
  shuttingDown: string;
  modalFailed: (error: string) => string;
  unexpected: string;
}
