import type { Logger } from 'pino';
import { withDeadline } from '../../core/deadline.js';
import type { AuditStore } from '../../core/ports/audit.js';
import type { Clock } from '../../core/ports/clock.js';
import type { ClaimedDelivery, DeliveryOutcome, OwedBody } from '../../core/ports/outbox.js';
import type { Timers } from '../../core/ports/timers.js';
import type { WdtEnvironment } from '../../core/ports/wdt.js';
import type { SlackApiPoster } from '../api-poster.js';
import type { SlackChat } from '../chat-client.js';
import { slackErrorCode } from '../error-code.js';
import { mentionChannel } from '../mrkdwn.js';
import type { Seals } from '../private-metadata.js';
import { tellRequester } from '../tell-requester.js';
import type { Texts } from '../texts/index.js';
import { isAlreadyCompleted, noteStepCompleted } from '../workflow-step-completer.js';
import { type ChannelLane, createChannelPacer } from './channel-pacer.js';
import { findPosted, outboxMetadata } from './posted-lookup.js';
import { createRenderer, type Rendered } from './render.js';
import {
  backoffMs,
  classifySlackFailure,
  type GiveUpReason,
  giveUpReason,
  type SlackFailure,
} from './slack-failure.js';

export interface OutboxSettings {
  /** How often a claim pass runs. */
  tickMs: number;
  /** How long a claim (and each confirmation of it) holds before anyone may take the message over. */
  leaseMs: number;
  /** Messages claimed in one pass, at most. */
  claimLimit: number;
  /** Messages held by this process at once (queued in a channel or being delivered), at most. */
  maxHeld: number;
  /** Between two calls in one channel: Slack takes about one message a second per channel. */
  channelIntervalMs: number;
  /**
   * A channel's queue takes a claimed message only if its turn comes within this long; otherwise the message
   * is handed back for later: a claim is never held longer than it can be delivered within its lease.
   */
  channelBacklogMs: number;
  /** A confirmation of the claim that took longer than this is treated as lost: nothing is sent. */
  confirmWithinMs: number;
  /**
   * After a call that got no answer (a timeout, a reset), Slack may still act on it: the message is looked
   * for (and posted again if not found) no sooner than this.
   */
  lostAnswerWaitMs: number;
  /** Per Slack call. */
  callTimeoutMs: number;
  /** An earlier post is looked for among the messages since this long before the message was owed. */
  lookupMarginMs: number;
  /** A token confirmed good (or bad) by auth.test is not asked about again for this long. */
  authCheckMs: number;
}

export const OUTBOX_SETTINGS: OutboxSettings = {
  tickMs: 500,
  leaseMs: 30_000,
  claimLimit: 10,
  maxHeld: 50,
  channelIntervalMs: 1_000,
  channelBacklogMs: 20_000,
  confirmWithinMs: 5_000,
  lostAnswerWaitMs: 30_000,
  callTimeoutMs: 10_000,
  lookupMarginMs: 15 * 60_000,
  authCheckMs: 30_000,
};

/** How a delivered message got there: a new post, an edit, an earlier post found, a step call, or nothing due. */
export const DELIVERED_HOW = ['posted', 'edited', 'found', 'called', 'nothing'] as const;
type DeliveredHow = (typeof DELIVERED_HOW)[number];
/** The kinds of owed message (`OwedBody['kind']`), each a metric label. */
export const OWED_KINDS = [
  'outcome',
  'batch',
  'control',
  'step',
] as const satisfies readonly OwedBody['kind'][];

export interface OutboxMetrics {
  delivered(kind: OwedBody['kind'], how: DeliveredHow): void;
  gaveUp(reason: GiveUpReason): void;
}

interface OutboxWorkerDeps {
  audit: AuditStore;
  /** One try per call: retrying is the worker's decision. */
  api: SlackApiPoster;
  /** For private notes to a requester whose channel is gone (one try per call, too). */
  chat: SlackChat;
  /** BOT_LOCALE's. */
  texts: Texts;
  environment: WdtEnvironment;
  seals: Seals;
  approvalTtlMs: number;
  auditChannelId: string | undefined;
  /** This process: its claims are named after it. */
  instanceId: string;
  timers: Timers;
  clock: Clock;
  logger: Logger;
  metrics?: OutboxMetrics;
  /** For the backoff's jitter (the simulation gives a seeded one). */
  random?: () => number;
  settings?: Partial<OutboxSettings>;
}

export interface OutboxWorker {
  /** Claims every `tickMs` from now on. */
  start(): void;
  /** One claim pass now; resolves once what it claimed is queued (or handed back). */
  pass(): Promise<void>;
  /** Resolves when every delivery taken so far has ended. */
  idle(): Promise<void>;
  /**
   * One last claim, then no more: a delivery whose channel turn is free finishes, one still waiting for its turn
   * is handed back (bounded).
   */
  stop(): Promise<void>;
}

interface Claim {
  delivery: ClaimedDelivery;
  /** The claim's owner as the store knows it: one per pass, so a claim this process lost is never its again. */
  by: string;
  /**
   * Known that no try so far reached Slack: the first try, a message whose every earlier try this process
   * saw do nothing, or one looked for in its channel and not found.
   */
  clean: boolean;
  /** Shutdown came while it waited for its channel's turn: it is handed back unsent. */
  handBack?: boolean;
}

/**
 * Delivers what the product owes to Slack until Slack accepts it. Every replica runs one; a message is
 * claimed by one of them at a time, for a lease, and the claim is confirmed right before each send.
 *
 * Exactly once, as far as Slack allows: every post carries the message's key in its metadata, and a message
 * that an earlier try may have posted (a lost answer, a process that died) is first looked for in its
 * channel's history; found, it is settled with that post. A message rewritten in place is looked for by its
 * slot before its first post, so a batch never gets a second message. After a call that got no answer, the
 * lookup waits `lostAnswerWaitMs`, for Slack may still be acting on it. A duplicate remains possible only for
 * a post that reaches Slack later than that (a process frozen longer than its lease between confirming and
 * sending, or Slack acting on a post that late), or when Slack refuses the lookup (see
 * docs/slack-outages.md); both copies then carry the same key.
 */
export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const settings = { ...OUTBOX_SETTINGS, ...deps.settings };
  const { audit, api, timers, logger, texts } = deps;
  const random = deps.random ?? Math.random;
  const render = createRenderer(deps);
  const pacer = createChannelPacer(timers, settings.channelIntervalMs);
  const held = new Set<Promise<unknown>>();
  /**
   * Messages this process knows never reached Slack, by any try (each ended in an error answer, a connection
   * never made, or a claim handed back unsent): id → the tries count their next claim will show. When it
   * does, nobody else tried in between, and no history lookup is needed.
   */
  const unsent = new Map<number, number>();
  let passes = 0;
  let passing: Promise<void> | null = null;
  let passAgain = false;
  let stopping = false;
  let stopTicker: (() => void) | null = null;
  /**
   * Waits for a channel's turn that shutdown cuts short. Each leaves the set when its wait ends: racing every
   * wait against one promise that settles only at shutdown would keep a reaction per delivery for the life of
   * the process.
   */
  const turnWaits = new Set<() => void>();
  let lastClaimErrorLogAt = Number.NEGATIVE_INFINITY;
  let authCheck: { at: number; bad: Promise<string | null> } | null = null;

  const track = <T>(work: Promise<T>): void => {
    const tracked = work.catch((error: unknown) => {
      logger.error({ err: error }, 'outbox delivery failed unexpectedly; the message will be tried again');
    });
    held.add(tracked);
    void tracked.finally(() => held.delete(tracked));
  };

  const describe = (claim: Claim) => ({
    outboxKey: claim.delivery.item.key,
    outboxId: claim.delivery.id,
    channelId: claim.delivery.item.channelId ?? deps.auditChannelId ?? null,
  });

  function noteUnsent(claim: Claim): void {
    if (!claim.clean) return;
    if (unsent.size > 10_000) unsent.clear();
    unsent.set(claim.delivery.id, claim.delivery.tries + 1);
  }

  /** Records the outcome while the claim holds; false when it could not (lost, or the store failed). */
  async function settle(claim: Claim, outcome: DeliveryOutcome, how?: DeliveredHow): Promise<boolean> {
    let settled: boolean;
    try {
      settled = (await audit.settleDelivery(claim.delivery.id, claim.by, outcome)) !== null;
    } catch (error) {
      logger.error(
        { err: error, ...describe(claim), outcome: outcome.kind },
        'could not record what became of an outbox message; it will be tried again (looked for first)',
      );
      return false;
    }
    if (!settled) {
      logger.warn({ ...describe(claim), outcome: outcome.kind }, 'outbox claim lost before it was settled');
      return false;
    }
    if (outcome.kind !== 'retry') unsent.delete(claim.delivery.id);
    if (outcome.kind === 'delivered' && how) deps.metrics?.delivered(claim.delivery.item.body.kind, how);
    return true;
  }

  async function retry(claim: Claim, waitMs: number, error: string, nothingSent: boolean): Promise<void> {
    if (nothingSent) noteUnsent(claim);
    await settle(claim, { kind: 'retry', retryInMs: Math.max(0, Math.round(waitMs)), error });
  }

  const delivered = (
    channelId: string | null,
    ts: string | null,
    notify?: readonly string[],
  ): DeliveryOutcome => ({
    kind: 'delivered',
    channelId,
    ts,
    via: ts === null ? 'none' : 'channel',
    ...(notify ? { notify } : {}),
  });

  /** Whom a delivered message is noted on: its first post (or a post found in its place) names more. */
  const notes = (rendered: Extract<Rendered, { kind: 'message' }>, first: boolean): readonly string[] =>
    first && rendered.firstPostAttemptIds
      ? [...new Set([...rendered.firstPostAttemptIds, ...rendered.attemptIds])]
      : rendered.attemptIds;

  /** Right before a send: the claim is still this pass's, confirmed fast enough to trust. */
  async function confirmed(claim: Claim): Promise<boolean> {
    if (claim.handBack) {
      await retry(claim, 0, 'handed back at shutdown', true);
      return false;
    }
    const started = timers.now();
    let ok: boolean;
    try {
      ok = await audit.confirmClaim(claim.delivery.id, claim.by, settings.leaseMs);
    } catch (error) {
      logger.warn({ err: error, ...describe(claim) }, 'could not confirm an outbox claim; nothing sent');
      return false;
    }
    if (!ok) {
      logger.info(describe(claim), 'outbox message taken over by another process; nothing sent');
      return false;
    }
    const tookMs = timers.now() - started;
    if (tookMs > settings.confirmWithinMs) {
      logger.warn({ ...describe(claim), tookMs }, 'outbox claim confirmed too late to trust; nothing sent');
      await retry(claim, 0, `claim confirmed too late (${Math.round(tookMs)} ms)`, true);
      return false;
    }
    return true;
  }

  /** Whether Slack refuses the token itself (auth.test says so), rather than this one call. */
  function tokenRefusal(): Promise<string | null> {
    if (authCheck === null || timers.now() - authCheck.at > settings.authCheckMs) {
      const bad = api.post('auth.test', {}, { timeoutMs: settings.callTimeoutMs }).then(
        () => null,
        (error: unknown) => {
          const failure = classifySlackFailure(error);
          return failure.kind === 'auth' ? failure.code : null;
        },
      );
      authCheck = { at: timers.now(), bad };
    }
    return authCheck.bad;
  }

  async function failed(
    claim: Claim,
    failure: SlackFailure,
    rendered: Exclude<Rendered, { kind: 'nothing' }>,
    lane: ChannelLane | null,
  ): Promise<void> {
    const backoff = backoffMs(claim.delivery.tries, random);
    const where = describe(claim);
    switch (failure.kind) {
      case 'rate_limited': {
        const waitMs = failure.retryAfterMs ?? backoff;
        lane?.hold(waitMs);
        logger.warn({ ...where, slackError: failure.code, waitMs }, 'Slack rate-limited an outbox message');
        return retry(claim, waitMs, failure.code, true);
      }
      case 'transient': {
        const unanswered = !failure.answered && !failure.unsent;
        const waitMs = unanswered ? Math.max(backoff, settings.lostAnswerWaitMs) : backoff;
        logger.warn(
          { ...where, slackError: failure.code, waitMs },
          'Slack did not take an outbox message; trying again',
        );
        return retry(claim, waitMs, failure.code, failure.unsent);
      }
      case 'auth': {
        const refused = await tokenRefusal();
        if (refused !== null) return giveUp(claim, refused, rendered, false);
        logger.warn(
          { ...where, slackError: failure.code },
          'Slack refused the token once; auth.test accepts it',
        );
        return retry(claim, backoff, failure.code, true);
      }
      case 'permanent':
        return giveUp(claim, failure.code, rendered, failure.bug);
      case 'message_gone':
      case 'needs_a_person':
        logger.error(
          { ...where, slackError: failure.code, waitMs: backoff },
          'Slack refuses an outbox message for a reason a person can fix (scopes, channel settings); trying again',
        );
        return retry(claim, backoff, failure.code, true);
    }
  }

  async function giveUp(
    claim: Claim,
    code: string,
    rendered: Exclude<Rendered, { kind: 'nothing' }>,
    bug: boolean,
  ): Promise<void> {
    if (!(await settle(claim, { kind: 'given_up', reason: code }))) return;
    const reason = giveUpReason(code);
    deps.metrics?.gaveUp(reason);
    const where = describe(claim);
    logger.error(
      { ...where, reason: code, ...(bug ? { bug: true } : {}) },
      bug
        ? 'Slack refused a message as the bot built it (a bug): given up'
        : 'outbox message given up: Slack cannot take it in that channel',
    );
    if (rendered.kind === 'message' && rendered.privately) {
      const { privately } = rendered;
      const notice = texts.fallbackNotice(mentionChannel(privately.channelId), code);
      const via = await tellRequester(deps.chat, logger, {
        ...privately,
        text: `${notice}\n${privately.text}`,
      });
      if (via !== 'none') await notePrivately(rendered.attemptIds, via);
    }
    const channelId = where.channelId;
    if (channelId !== null && channelId !== deps.auditChannelId) {
      tellAuditChannel(texts.outbox.givenUp(rendered.summary, mentionChannel(channelId), code));
    }
  }

  /** The requester learnt it privately: said on each attempt's record, as a channel post would be. */
  async function notePrivately(attemptIds: readonly string[], via: 'dm' | 'ephemeral'): Promise<void> {
    const at = deps.clock.now();
    for (const attemptId of attemptIds) {
      await audit
        .annotate(attemptId, { notifiedVia: via, slackChannelId: null, slackTs: null }, at)
        .catch((error: unknown) =>
          logger.error({ err: error, attemptId }, 'could not record a private note'),
        );
    }
  }

  /** Best effort, one try: the give-up itself is recorded, logged and counted whatever happens here. */
  function tellAuditChannel(text: string): void {
    const channel = deps.auditChannelId;
    if (!channel) return;
    const lane = pacer.lane(channel);
    track(
      lane.run(async (turn) => {
        await turnUnlessStopping(lane, turn);
        try {
          await api.post(
            'chat.postMessage',
            { channel, text, unfurl_links: false },
            { timeoutMs: settings.callTimeoutMs },
          );
        } catch (error) {
          logger.error(
            { slackError: slackErrorCode(error), channelId: channel },
            'could not tell the audit channel about a message given up (the give-up is recorded)',
          );
        }
      }),
    );
  }

  async function postMessage(
    claim: Claim,
    rendered: Extract<Rendered, { kind: 'message' }>,
    turn: () => Promise<void>,
    lane: ChannelLane,
  ): Promise<void> {
    const { item, slotMessage, owedAt } = claim.delivery;
    let target = rendered.inPlace ? slotMessage : null;
    const mayHavePosted = !claim.clean;
    if (target === null && (mayHavePosted || rendered.inPlace)) {
      const since = new Date(Date.parse(owedAt) - settings.lookupMarginMs);
      const where = { channelId: rendered.channelId, threadTs: rendered.threadTs, since };
      const match = rendered.inPlace ? { slot: item.slot } : { key: item.key };
      const looked = await findPosted(api, where, match, settings.callTimeoutMs);
      switch (looked.kind) {
        case 'found':
          if (!rendered.inPlace) {
            logger.info(
              { ...describe(claim), ts: looked.ts },
              'outbox message was posted already: not again',
            );
            await settle(claim, delivered(rendered.channelId, looked.ts, notes(rendered, false)), 'found');
            return;
          }
          target = { channelId: rendered.channelId, ts: looked.ts };
          break;
        case 'failed':
          return failed(claim, looked.failure, rendered, lane);
        case 'cannot_tell':
          if (mayHavePosted)
            logger.warn(
              { ...describe(claim), why: looked.why },
              'cannot look for an earlier post of an outbox message; posting it (a duplicate is possible)',
            );
          break;
        case 'not_found':
          claim.clean = true;
          break;
      }
    }
    const content = { text: rendered.text, ...(rendered.blocks ? { blocks: rendered.blocks } : {}) };
    if (target !== null) {
      await turn();
      if (!(await confirmed(claim))) return;
      try {
        await api.post(
          'chat.update',
          { channel: target.channelId, ts: target.ts, ...content },
          { timeoutMs: settings.callTimeoutMs },
        );
        // A post found by its slot that the store never heard of was a first post whose try did not settle.
        const first = slotMessage === null;
        await settle(claim, delivered(target.channelId, target.ts, notes(rendered, first)), 'edited');
        return;
      } catch (error) {
        const failure = classifySlackFailure(error);
        if (failure.kind !== 'message_gone') return failed(claim, failure, rendered, lane);
        logger.warn(
          { ...describe(claim), slackError: failure.code },
          'the message to edit is gone; posting anew',
        );
      }
    }
    await turn();
    if (!(await confirmed(claim))) return;
    let answer: Record<string, unknown>;
    try {
      answer = await api.post(
        'chat.postMessage',
        {
          channel: rendered.channelId,
          ...content,
          unfurl_links: false,
          ...(rendered.threadTs ? { thread_ts: rendered.threadTs } : {}),
          metadata: outboxMetadata(item),
        },
        { timeoutMs: settings.callTimeoutMs },
      );
    } catch (error) {
      return failed(claim, classifySlackFailure(error), rendered, lane);
    }
    const channel = typeof answer.channel === 'string' ? answer.channel : rendered.channelId;
    const ts = typeof answer.ts === 'string' ? answer.ts : null;
    await settle(claim, delivered(channel, ts, notes(rendered, true)), 'posted');
  }

  async function completeStep(claim: Claim, rendered: Extract<Rendered, { kind: 'call' }>): Promise<void> {
    if (!(await confirmed(claim))) return;
    const { call } = rendered;
    try {
      await api.post(call.method, call.body, { timeoutMs: settings.callTimeoutMs });
    } catch (error) {
      const failure = classifySlackFailure(error);
      if (!isAlreadyCompleted(failure.code)) {
        // A step call either heals (Slack, the token) or never will (the execution is gone).
        const final = failure.kind === 'needs_a_person' || failure.kind === 'message_gone';
        return failed(
          claim,
          final ? { kind: 'permanent', code: failure.code, bug: false } : failure,
          rendered,
          null,
        );
      }
    }
    await noteStepCompleted(deps, rendered.records);
    logger.info({ ...describe(claim), method: call.method }, 'workflow step completed');
    await settle(claim, delivered(null, null), 'called');
  }

  async function deliver(claim: Claim, turn: () => Promise<void>, lane: ChannelLane | null): Promise<void> {
    if (stopping) return retry(claim, 0, 'handed back at shutdown', true);
    let rendered: Rendered;
    try {
      rendered = await render(claim.delivery.item);
    } catch (error) {
      logger.error({ err: error, ...describe(claim) }, 'could not render an outbox message; trying again');
      return retry(claim, backoffMs(claim.delivery.tries, random), 'could not read the audit store', true);
    }
    switch (rendered.kind) {
      case 'nothing':
        logger.debug({ ...describe(claim), why: rendered.why }, 'outbox message needs no Slack call');
        await settle(claim, delivered(null, null), 'nothing');
        return;
      case 'call':
        return completeStep(claim, rendered);
      case 'message':
        return postMessage(claim, rendered, turn, lane ?? pacer.lane(rendered.channelId));
    }
  }

  /** Queues a claimed message in its channel, or hands it back when its turn would come too late. */
  async function take(claim: Claim): Promise<void> {
    const { item } = claim.delivery;
    const channelId = item.mode === 'call' ? null : (item.channelId ?? deps.auditChannelId ?? null);
    if (channelId === null) {
      track(deliver(claim, async () => undefined, null));
      return;
    }
    const lane = pacer.lane(channelId);
    const backlogMs = lane.backlogMs();
    if (backlogMs > settings.channelBacklogMs) {
      await retry(claim, backlogMs, `waiting for its turn in ${channelId}`, true);
      return;
    }
    track(
      lane.run((turn) =>
        deliver(
          claim,
          async () => {
            if (!(await turnUnlessStopping(lane, turn))) claim.handBack = true;
          },
          lane,
        ),
      ),
    );
  }

  /** Takes the channel's turn: true once it came, false when shutdown came first and the turn was not free. */
  async function turnUnlessStopping(lane: ChannelLane, turn: () => Promise<void>): Promise<boolean> {
    if (stopping && !lane.turnFree()) return false;
    let cut: () => void = () => undefined;
    const cutShort = new Promise<false>((resolve) => {
      cut = () => resolve(false);
    });
    turnWaits.add(cut);
    try {
      return await Promise.race([turn().then(() => true), cutShort]);
    } finally {
      turnWaits.delete(cut);
    }
  }

  function pass(): Promise<void> {
    // Asked while a pass runs (a write just owed a message): one more pass once it ends.
    if (passing) {
      passAgain = true;
      return passing;
    }
    const room = settings.maxHeld - held.size;
    if (stopping || room <= 0) return Promise.resolve();
    passing = claimPass(room).finally(() => {
      passing = null;
      if (passAgain) {
        passAgain = false;
        void pass();
      }
    });
    return passing;
  }

  async function claimPass(room: number): Promise<void> {
    try {
      passes += 1;
      const by = `${deps.instanceId}/${passes}`;
      const claims = await audit.claimDeliveries({
        by,
        limit: Math.min(room, settings.claimLimit),
        leaseMs: settings.leaseMs,
      });
      for (const delivery of claims) {
        const clean = delivery.tries === 0 || unsent.get(delivery.id) === delivery.tries;
        await take({ delivery, by, clean });
      }
    } catch (error) {
      if (timers.now() - lastClaimErrorLogAt > 30_000) {
        lastClaimErrorLogAt = timers.now();
        logger.warn({ err: error }, 'could not claim owed Slack messages; trying again');
      }
    }
  }

  /** A pass under way (and any it chains) ends, then one more claims what is owed now. */
  async function lastPass(): Promise<void> {
    while (passing) await passing;
    await pass();
  }

  return {
    start() {
      if (stopTicker || stopping) return;
      stopTicker = timers.every(settings.tickMs, () => void pass());
      void pass();
    },
    pass,
    async idle() {
      while (held.size > 0) await Promise.allSettled([...held]);
    },
    async stop() {
      const started = stopTicker !== null && !stopping;
      stopTicker?.();
      const halt = () => {
        stopping = true;
        for (const cut of turnWaits) cut();
      };
      const finished = (async () => {
        // What was owed while the app drained (the outcomes of its last cancels) goes out now where it can.
        if (started) await lastPass();
        halt();
        await Promise.allSettled([...held]);
      })();
      await withDeadline(finished, settings.callTimeoutMs + 1_000, () => {
        halt();
        logger.warn(
          { held: held.size },
          'outbox deliveries still under way at shutdown; their claims will lapse',
        );
      });
    },
  };
}
