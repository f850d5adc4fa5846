import type { Logger } from 'pino';
import type { CancelService } from '../core/cancel-service.js';
import type { RequestOrigin } from '../core/ports/audit.js';
import type { WdtEnvironment } from '../core/ports/wdt.js';
import { slackErrorCode } from './error-code.js';
import { haltNotice } from './pause-notice.js';
import type { Seals } from './private-metadata.js';
import type { Texts } from './texts/index.js';
import { userMessageFor } from './user-message.js';
import {
  buildConfirmationDialog,
  buildLoadingModal,
  type PreviewSettings,
} from './views/confirmation-dialog.js';
import { buildStatusModal } from './views/status-modal.js';
import type { SlackViews } from './views-client.js';

export interface ConfirmationOpenerDeps {
  cancel: CancelService;
  environment: WdtEnvironment;
  seals: Seals;
  preview: PreviewSettings;
  views: SlackViews;
  logger: Logger;
}

/** Where the dialog comes from: opened with a trigger id, or already on screen (a dialog that led to it). */
export type DialogSource = { kind: 'trigger'; triggerId: string } | { kind: 'shown'; viewId: string };

export interface ConfirmationRequest {
  texts: Texts;
  dialog: DialogSource;
  teamId: string | null;
  /** Where the outcome goes; the channel the policy checks. */
  channelId: string;
  userId: string;
  orderNos: string[];
  origin?: RequestOrigin;
  /** Tells the person privately (an ephemeral reply, or the dialog already on screen). */
  tell(text: string): Promise<unknown>;
  /** What became of the request, known before the person is told (the command's metrics count it). */
  onResult?: (result: OpenedConfirmation) => void;
}

/**
 * The one way to the confirmation dialog, for the slash command and both shortcuts: the policy and the
 * durable request (cancel.request), the dialog opening at once with "Looking up…", then the preview
 * (cancel.preview) with the attempts sealed in it. Confirming it is the same view submission for every
 * entry point.
 */
export function makeConfirmationOpener(deps: ConfirmationOpenerDeps) {
  const { logger } = deps;

  /** Best effort: a dialog left saying "Looking up…" after a failure would mislead; say what happened. */
  async function showInDialog(
    texts: Texts,
    opening: Promise<{ id: string; hash?: string }> | undefined,
    text: string,
  ): Promise<void> {
    try {
      const opened = await opening;
      if (!opened) return;
      const view = buildStatusModal({ texts, title: texts.modalTitle, mrkdwn: text });
      await deps.views.update({ viewId: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), view });
    } catch (error) {
      logger.info({ slackError: slackErrorCode(error) }, 'could not show the problem in the dialog');
    }
  }

  return async function openConfirmation(request: ConfirmationRequest): Promise<void> {
    const { texts, orderNos } = request;
    const settle = (result: OpenedConfirmation) => request.onResult?.(result);
    // The "Looking up…" dialog offers no button, so it needs no record: it opens while the request is written.
    let opening: Promise<{ id: string; hash?: string }> | undefined;
    const openLoading = () => {
      opening =
        request.dialog.kind === 'trigger'
          ? deps.views.open(request.dialog.triggerId, buildLoadingModal(texts, orderNos))
          : Promise.resolve({ id: request.dialog.viewId });
      opening.catch(() => {}); // handled below, once the request is recorded
    };
    let result: Awaited<ReturnType<CancelService['request']>>;
    try {
      result = await deps.cancel.request(
        {
          teamId: request.teamId,
          channelId: request.channelId,
          userId: request.userId,
          orderNos,
          ...(request.origin ? { origin: request.origin } : {}),
        },
        { onAllowed: openLoading },
      );
    } catch (error) {
      logger.error({ err: error, userId: request.userId }, 'cancel request failed before the dialog');
      const text = userMessageFor(error, texts);
      settle('failed');
      await request.tell(text);
      await showInDialog(texts, opening, text);
      return;
    }
    if (result.kind === 'denied') {
      settle('denied');
      await request.tell(texts.denied[result.decision.reason](texts.askWhomDefault));
      return;
    }
    if (result.kind === 'paused') {
      settle('denied');
      await request.tell(haltNotice(texts, result.halt));
      return;
    }

    const { attempts } = result;
    let opened: { id: string; hash?: string };
    try {
      opened = await opening!;
    } catch (error) {
      const code = slackErrorCode(error);
      logger.warn({ slackError: code, batchId: attempts[0]?.batchId }, 'views.open failed');
      settle('failed');
      await request.tell(texts.modalFailed(code));
      for (const attempt of attempts) {
        await deps.cancel.abandon(attempt, `confirmation dialog could not open: ${code}`);
      }
      return;
    }

    let items: Awaited<ReturnType<CancelService['preview']>>;
    try {
      items = await deps.cancel.preview(attempts);
    } catch (error) {
      logger.error({ err: error, batchId: attempts[0]?.batchId }, 'preview failed');
      const text = userMessageFor(error, texts);
      settle('failed');
      await request.tell(text);
      await showInDialog(texts, opening, text);
      return;
    }
    const view = buildConfirmationDialog({
      texts,
      items,
      environment: deps.environment,
      channelId: request.channelId,
      privateMetadata: deps.seals.seal('confirm', { attemptIds: attempts.map((a) => a.attemptId) }),
      settings: deps.preview,
    });
    settle('admitted');
    try {
      await deps.views.update({ viewId: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), view });
    } catch (error) {
      // Closed by the person, or a newer view already replaced it (hash_conflict): nothing to overwrite.
      logger.info({ slackError: slackErrorCode(error), viewId: opened.id }, 'could not show the preview');
    }
  };
}

export type OpenedConfirmation = 'admitted' | 'denied' | 'failed';

export type OpenConfirmation = ReturnType<typeof makeConfirmationOpener>;
