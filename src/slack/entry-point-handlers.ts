import type { Logger } from 'pino';
import type { CancelService } from '../core/cancel-service.js';
import type { InFlight } from '../core/in-flight.js';
import type { AuditStore } from '../core/ports/audit.js';
import type { CommandAdmission } from './command-admission.js';
import {
  makeGlobalShortcutHandler,
  makeGlobalShortcutSubmissionHandler,
} from './handlers/global-shortcut.js';
import { makeMessageShortcutHandler } from './handlers/message-shortcut.js';
import { makeWorkflowStepHandler } from './handlers/workflow-step.js';
import type { OpenConfirmation } from './open-confirmation.js';
import type { ReaderTexts } from './reader-locales.js';
import type { Texts } from './texts/index.js';
import type { SlackViews } from './views-client.js';
import type { WorkflowStepCompleter } from './workflow-step-completer.js';

/**
 * The ways in besides the slash command: both shortcuts share the command's confirmation opener and
 * admission; the Workflow Builder step goes through the cancel use case as its requester.
 */
export function makeEntryPointHandlers(deps: {
  openConfirmation: OpenConfirmation;
  readers: ReaderTexts;
  views: SlackViews;
  maxOrders: number;
  allowedChannels: readonly string[];
  inFlight: InFlight;
  admission: CommandAdmission;
  cancel: CancelService;
  audit: AuditStore;
  steps: WorkflowStepCompleter;
  /** BOT_LOCALE's, for the step's messages. */
  texts: Texts;
  logger: Logger;
}) {
  return {
    messageShortcut: makeMessageShortcutHandler(deps),
    globalShortcut: makeGlobalShortcutHandler(deps),
    globalShortcutSubmission: makeGlobalShortcutSubmissionHandler(deps),
    workflowStep: makeWorkflowStepHandler({ ...deps, completer: deps.steps }),
  };
}
