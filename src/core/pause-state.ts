import type { Logger } from 'pino';
import type { ControlEntry } from './ports/audit.js';
import { systemTimers, type Timers } from './ports/timers.js';

/** Who paused, when and why: what every refusal while paused tells the person. */
export interface PauseDetails {
  by: string;
  /** ISO-8601 UTC. */
  since: string;
  reason: string;
  channelId: string;
}

/**
 * What this process believes about the operators' pause. `unknown` (the store could not be read lately, or
 * not yet) refuses cancels like `paused`: a cancel let through during a pause is worse than one refused.
 */
export type PauseView =
  | { kind: 'running' }
  | ({ kind: 'paused' } & PauseDetails)
  | { kind: 'unknown'; cause: string };

/** A view that stops cancels (paused, or unknown). */
export type Halt = Exclude<PauseView, { kind: 'running' }>;

/** The cached answer the cancel paths consult: synchronous, never a database read. */
export interface PauseGate {
  current(): PauseView;
}

export function haltOf(gate: PauseGate): Halt | null {
  const view = gate.current();
  return view.kind === 'running' ? null : view;
}

/** A line for the audit trail and the logs (not shown to people as such: texts say it in their language). */
export function describeHalt(halt: Halt): string {
  return halt.kind === 'paused'
    ? `cancels are paused by ${halt.by} since ${halt.since}: ${halt.reason}`
    : `cancels are refused while the pause state is unknown (${halt.cause})`;
}

/** The detail of an order a batch did not send because cancels were halted on the way (see `isStoppedByPause`). */
const NOT_SENT_PREFIX = 'not sent: ';

export function notSentDetail(halt: Halt): string {
  return `${NOT_SENT_PREFIX}${describeHalt(halt)}`;
}

export function isStoppedByPause(record: { state: string; detail: string | null }): boolean {
  return record.state === 'failed' && (record.detail?.startsWith(`${NOT_SENT_PREFIX}cancels are`) ?? false);
}

export function viewOfControl(entry: ControlEntry | null): PauseView {
  if (!entry || entry.event === 'resumed') return { kind: 'running' };
  const { record } = entry;
  return {
    kind: 'paused',
    by: record.requesterId,
    since: entry.at,
    reason: record.reason ?? '',
    channelId: record.channelId,
  };
}

export interface PauseStateOptions {
  read: () => Promise<ControlEntry | null>;
  logger: Logger;
  /** How often the store is read (default 1 s): the longest a pause on another replica goes unseen here. */
  everyMs?: number;
  /** A last good reading older than this is no longer trusted: the state becomes `unknown` (default 3 s). */
  staleAfterMs?: number;
  /** Monotonic time and the reading timer (default: the process's own). */
  timers?: Pick<Timers, 'now' | 'every'>;
}

export interface PauseState extends PauseGate {
  /** Reads the store now (one read at a time) and returns the view it gives. */
  refresh(): Promise<PauseView>;
  /** Reads every `everyMs` in the background until `stop`. */
  start(): void;
  stop(): void;
}

const NOT_READ_YET = 'the pause state has not been read yet';

/**
 * The pause state as every replica sees it: read from the audit store at most once per `everyMs`, in the
 * background, so the cancel paths only ever look at the cached view. A failed read keeps the last good view
 * until it is `staleAfterMs` old; after that, cancels are refused as `unknown` and the cause is logged once.
 */
export function createPauseState(options: PauseStateOptions): PauseState {
  const everyMs = options.everyMs ?? 1_000;
  const staleAfterMs = options.staleAfterMs ?? 3_000;
  const timers = options.timers ?? systemTimers;
  const now = () => timers.now();
  const { logger } = options;
  let good: { view: PauseView; at: number } | null = null;
  let lastFailure: string = NOT_READ_YET;
  let reading: Promise<PauseView> | null = null;
  let stopTimer: (() => void) | undefined;
  let reportedUnknown = false;

  const current = (): PauseView => {
    if (good && now() - good.at <= staleAfterMs) {
      if (reportedUnknown) {
        reportedUnknown = false;
        logger.info({ pause: good.view.kind }, 'the pause state is readable again');
      }
      return good.view;
    }
    // Asked while unknown: read again now, in the background (the caller never waits for it).
    if (!reading) void refresh();
    if (!reportedUnknown && lastFailure !== NOT_READ_YET) {
      reportedUnknown = true;
      logger.error(
        { cause: lastFailure },
        'cannot read the pause state from the audit store: cancels are refused until it can',
      );
    }
    return { kind: 'unknown', cause: lastFailure };
  };

  function refresh(): Promise<PauseView> {
    reading ??= options
      .read()
      .then((entry) => {
        const view = viewOfControl(entry);
        if (good && good.view.kind !== view.kind) logger.info({ pause: view }, 'the pause state changed');
        good = { view, at: now() };
        return view;
      })
      .catch((error: unknown) => {
        lastFailure = error instanceof Error ? error.message : String(error);
        logger.warn({ err: error }, 'could not read the pause state');
        return current();
      })
      .finally(() => {
        reading = null;
      });
    return reading;
  }

  return {
    current,
    refresh,
    start() {
      stopTimer ??= timers.every(everyMs, () => void refresh());
    },
    stop() {
      stopTimer?.();
      stopTimer = undefined;
    },
  };
}
