import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  GlobalShortcut as GlobalShortcutPayload,
  MessageShortcut as MessageShortcutPayload,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Logger } from 'pino';
import type { RefusedRequest } from '../core/refused-request.js';
import type { makeAppHomeOpenedHandler } from './handlers/app-home-opened.js';
import type { makeApproveButtonHandler } from './handlers/approve-button.js';
import type { makeConfirmSubmissionHandler } from './handlers/confirm-submission.js';
import type {
  makeGlobalShortcutHandler,
  makeGlobalShortcutSubmissionHandler,
} from './handlers/global-shortcut.js';
import type { makeMessageShortcutHandler } from './handlers/message-shortcut.js';
import type { makeRejectButtonHandler } from './handlers/reject-button.js';
import type { makeRejectSubmissionHandler } from './handlers/reject-submission.js';
import type { makeSlashCommandHandler } from './handlers/slash-command.js';
import type { makeUnknownViewHandler } from './handlers/unknown-view.js';
import type { makeWorkflowStepHandler } from './handlers/workflow-step.js';
import type { WorkspaceIdentity } from './identity.js';
import {
  Approval,
  COMMAND,
  ConfirmModal,
  GlobalShortcut,
  HomeEvent,
  MessageShortcut,
  RejectModal,
  WorkflowStep,
} from './ids.js';
import { foreignOrigin, type RequestOrigin, requestOrigin } from './workspace-binding.js';

export interface SlackHandlers {
  cancelStockin: ReturnType<typeof makeSlashCommandHandler>;
  confirmSubmission: ReturnType<typeof makeConfirmSubmissionHandler>;
  rejectSubmission: ReturnType<typeof makeRejectSubmissionHandler>;
  unknownView: ReturnType<typeof makeUnknownViewHandler>;
  approveButton: ReturnType<typeof makeApproveButtonHandler>;
  rejectButton: ReturnType<typeof makeRejectButtonHandler>;
  homeOpened: ReturnType<typeof makeAppHomeOpenedHandler>;
  messageShortcut: ReturnType<typeof makeMessageShortcutHandler>;
  globalShortcut: ReturnType<typeof makeGlobalShortcutHandler>;
  globalShortcutSubmission: ReturnType<typeof makeGlobalShortcutSubmissionHandler>;
  workflowStep: ReturnType<typeof makeWorkflowStepHandler>;
}

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

/** The workspace every request must come from, and what to do with one that does not. */
export interface WorkspaceGuard {
  /** Null until auth.test succeeded (Bolt's authorize refuses every request until then). */
  identity(): WorkspaceIdentity | null;
  /** Audits the refusal; runs after the ack. */
  refuse(origin: RequestOrigin, detail: string): Promise<void>;
  /** The slash command's ack text. */
  refusalText: string;
}

/**
 * Every Slack request this app answers goes through one global middleware that dispatches on its kind.
 * Bolt runs each registered listener's matching chain on every request, and that is not cheap: listeners that
 * never match still cost acks a second (measured in BENCHMARKS.md). Anything not ours is passed on untouched
 * (`next()`), as an unmatched listener would.
 */
/** `refuse` for the guard: logs the foreign request and records it as a refusal (never throws). */
export function auditForeignRequest(
  recordRefusal: (request: RefusedRequest) => Promise<void>,
  logger: Logger,
): WorkspaceGuard['refuse'] {
  return (origin, detail) => {
    logger.warn({ origin }, detail);
    const { teamId, channelId, userId } = origin;
    return recordRefusal({ teamId, channelId, userId, detail }).catch((error: unknown) =>
      logger.error({ err: error, origin }, 'could not audit a refused foreign request'),
    );
  };
}

export function routeSlackRequests(app: App, handlers: SlackHandlers, guard: WorkspaceGuard): void {
  app.use(async (args) => {
    if (await refusedAsForeign(args, guard)) return;
    const handling = dispatch(args, handlers);
    if (handling) await handling;
    else await args.next();
  });
}

/**
 * Before any work (no dialog, no WDT call, no lookup): a request signed with our secret but from another
 * workspace, Enterprise Grid organisation or app is acked (a slash command with a short refusal) and audited.
 */
async function refusedAsForeign(args: Args, guard: WorkspaceGuard): Promise<boolean> {
  const identity = guard.identity();
  const origin = requestOrigin(args.body as unknown as Record<string, unknown>);
  const detail = identity
    ? foreignOrigin(origin, identity)
    : "request refused: the bot's Slack identity is not verified yet";
  if (detail === null) return false;
  if ('ack' in args && typeof args.ack === 'function') {
    await ('command' in args
      ? args.ack({ response_type: 'ephemeral', text: guard.refusalText })
      : args.ack());
  }
  await guard.refuse(origin, detail);
  return true;
}

function dispatch(args: Args, handlers: SlackHandlers): Promise<void> | undefined {
  if ('command' in args) {
    return args.command.command === COMMAND ? handlers.cancelStockin(args) : undefined;
  }
  if ('view' in args) {
    if (args.body.type !== 'view_submission') return undefined;
    const submission = args as SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
    switch (submission.view.callback_id) {
      case ConfirmModal.callbackId:
        return handlers.confirmSubmission(submission);
      case RejectModal.callbackId:
        return handlers.rejectSubmission(submission);
      case GlobalShortcut.modalCallbackId:
        return handlers.globalShortcutSubmission(submission);
      default:
        // Stale, forged, or from an older version: answered, never left to time out.
        return handlers.unknownView(submission);
    }
  }
  if ('shortcut' in args) {
    const { shortcut } = args;
    if (shortcut.type === 'message_action' && shortcut.callback_id === MessageShortcut.callbackId) {
      return handlers.messageShortcut(
        args as SlackShortcutMiddlewareArgs<MessageShortcutPayload> & AllMiddlewareArgs,
      );
    }
    if (shortcut.type === 'shortcut' && shortcut.callback_id === GlobalShortcut.callbackId) {
      return handlers.globalShortcut(
        args as SlackShortcutMiddlewareArgs<GlobalShortcutPayload> & AllMiddlewareArgs,
      );
    }
    return undefined;
  }
  if ('action' in args) {
    if (args.body.type !== 'block_actions' || args.action.type !== 'button') return undefined;
    const click = args as SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
    if (click.action.action_id === Approval.approveAction) return handlers.approveButton(click);
    if (click.action.action_id === Approval.rejectAction) return handlers.rejectButton(click);
    return undefined;
  }
  if ('event' in args && args.event.type === HomeEvent) {
    return handlers.homeOpened(args as SlackEventMiddlewareArgs<typeof HomeEvent> & AllMiddlewareArgs);
  }
  if ('event' in args && args.event.type === WorkflowStep.event) {
    const { event, body } = args;
    if (event.function.callback_id !== WorkflowStep.callbackId) return undefined;
    // Bolt leaves function_executed to be acked by its listener, as app.function's listeners are: at once.
    const { ack } = args as { ack?: () => Promise<void> };
    return handlers.workflowStep({ event, body, ack: () => ack?.() ?? Promise.resolve() });
  }
  return undefined;
}
