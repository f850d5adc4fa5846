/**
 * The audit trail: an append-only hash chain of entries, each a full snapshot of one attempt after an event,
 * plus the few guards (one confirmation per attempt, one in-flight cancel per order) that must hold across
 * processes and therefore live in the same database.
 */
export const ATTEMPT_STATES = [
  'requested',
  'confirmed',
  'approved',
  'calling',
  'cancelled',
  'refused',
  'failed',
  'unknown',
  'denied',
  'rejected',
  'expired',
  'reconciled_cancelled',
  'reconciled_not_cancelled',
  'released_unverified',
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/**
 * Operator controls (issue 18): `paused` stops every cancel on every replica, `resumed` lets them run again.
 * They are entries in the same chain, but about no attempt: they never enter the attempts view.
 */
export const CONTROL_EVENTS = ['paused', 'resumed'] as const;
export type ControlEvent = (typeof CONTROL_EVENTS)[number];

/** Entries that annotate an attempt without changing its state (e.g. where the outcome was posted). */
export type AuditEvent = AttemptState | 'notified' | ControlEvent;

export interface AttemptRecord {
  attemptId: string;
  /** Groups the attempts of one `/cancel-stockin RK1 RK2 …` command; equals attemptId for a single order. */
  batchId: string;
  state: AttemptState;
  /** ISO-8601 UTC time each state was entered. */
  stateTimes: Partial<Record<AttemptState, string>>;
  teamId: string | null;
  channelId: string;
  requesterId: string;
  approverIds: string[];
  orderNo: string | null;
  reason: string | null;
  wdtHost: string;
  method: string;
  /** sha256 hex of the exact JSON body sent to WDT; never the signed query. */
  bodyDigest: string | null;
  wdtStatus: number | null;
  wdtCode: string | null;
  wdtMessage: string | null;
  /** Outcome kind of the WDT call (ok, refused, rate_limited, not_sent, unknown, protocol_error). */
  wdtOutcome: string | null;
  durationMs: number | null;
  statusBefore: number | null;
  statusAfter: number | null;
  slackChannelId: string | null;
  slackTs: string | null;
  /** How the outcome reached people: `channel`, `dm`, `ephemeral`, or `none`. */
  notifiedVia: string | null;
  /** Human explanation for denied/failed/rejected states (never secrets). */
  detail: string | null;
  /** How the request came in, when not through the slash command (absent on records from before it existed). */
  entryPoint?: EntryPoint;
  /** The message a message shortcut was used on: the outcome is posted in its thread. */
  threadTs?: string;
  /**
   * The Workflow Builder step execution that asked: it is completed once every order of the batch is final,
   * by whichever process sees that first (the step itself, an approval, the expiry sweep or the reconciler).
   */
  functionExecutionId?: string;
  /** When that step execution was completed (functions.completeSuccess / completeError). */
  stepCompletedAt?: string;
  /**
   * The bot process that made the WDT call (its instance id, on `calling` records and those after them):
   * while its lease is live the call may still be running. Absent on records from before leases existed.
   */
  instanceId?: string;
  /** The operator who released the order's lock (`unlock`), on the record it closed. */
  releasedBy?: string;
  /** What that operator gave as the reason (required when WDT could not say what became of the call). */
  releaseReason?: string;
}

/** The ways into the cancel use case besides `/cancel-stockin`. */
export type EntryPoint = 'message_shortcut' | 'global_shortcut' | 'workflow_step';

/** Where a request came from, carried on every record of its batch. */
export interface RequestOrigin {
  entryPoint: EntryPoint;
  threadTs?: string;
  functionExecutionId?: string;
}

/**
 * What a `paused` / `resumed` entry holds: the attempt record's shape, so that `verify`, `export` and `show`
 * read it like any other, with `state` the event, `requesterId` the admin, `channelId` where it was typed,
 * `reason` why (for a pause), `orderNo` null and `attemptId` an id of its own.
 */
export type ControlRecord = Omit<AttemptRecord, 'state' | 'stateTimes'> & {
  state: ControlEvent;
  stateTimes: Partial<Record<ControlEvent, string>>;
};

export interface AuditEntry {
  /** Position in the chain, from 1. */
  seq: number;
  /** ULID of this entry. */
  entryId: string;
  event: AuditEvent;
  /** ISO-8601 UTC. */
  at: string;
  /** An attempt's snapshot; a control record for `paused` / `resumed` (see `isControlEntry`). */
  record: AttemptRecord;
  prevHash: string;
  hash: string;
}

/** What `recordControl` did: wrote the entry, or found the state already so and wrote nothing. */
export type ControlChange =
  | { changed: true; entry: ControlEntry }
  | { changed: false; current: ControlEntry | null };

/** Whether writing a control record of this kind changes anything, given the newest control entry. */
export function controlChanges(kind: ControlEvent, newest: ControlEntry | null): boolean {
  return (newest?.event ?? 'resumed') !== kind;
}

/** A `paused` or `resumed` entry. */
export interface ControlEntry extends Omit<AuditEntry, 'event' | 'record'> {
  event: ControlEvent;
  record: ControlRecord;
}

export function isControlEvent(event: string): event is ControlEvent {
  return (CONTROL_EVENTS as readonly string[]).includes(event);
}

export function isControlEntry(entry: AuditEntry | ControlEntry): entry is ControlEntry {
  return isControlEvent(entry.event);
}

/** The attempt holding an order's lock: its call to WDT has begun and its outcome is not recorded yet. */
export interface LockHolder {
  attemptId: string;
  requesterId: string;
  since: string;
}

/** An order lock as `audit -- locks` and `unlock` see it: the holder and the attempt's latest snapshot. */
export interface HeldLock extends LockHolder {
  orderNo: string;
  record: AttemptRecord | null;
}

/** A bot process's liveness lease: live until `expiresAt`, by the store's clock. */
export interface InstanceLease {
  instanceId: string;
  startedAt: string;
  renewedAt: string;
  expiresAt: string;
  live: boolean;
}

export type BeginCallResult = { ok: true; entry: AuditEntry } | { ok: false; holder: LockHolder };

export type ConfirmCallResult =
  | { kind: 'already_claimed' }
  | { kind: 'begun'; confirmed: AuditEntry; calling: AuditEntry }
  | { kind: 'locked'; confirmed: AuditEntry; holder: LockHolder };

export interface EntryRange {
  since?: Date;
  until?: Date;
}

/**
 * The chain's newest entry. Shown with every final message, it leaves a copy of the chain's head in Slack:
 * a database cut back or rewritten after that point no longer holds this entry, and `verify --witness` says so.
 */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; firstBadSeq: number; problem: string };

export interface AuditStore {
  /** `memory` is the tests' in-memory store (test/support/memory-audit-store.ts), never configured. */
  readonly backend: 'sqlite' | 'postgres' | 'memory';
  /** Appends one entry (the record as it is after `event`) durably and updates the current-state view. */
  append(event: AuditEvent, record: AttemptRecord, at: Date): Promise<AuditEntry>;
  /** True exactly once per key across every process sharing the database (e.g. `confirm:<attemptId>`). */
  claimOnce(key: string, at: Date): Promise<boolean>;
  /**
   * Atomically takes the per-order lock and appends the `calling` entry. Fails, appending nothing, when
   * another attempt holds the lock for the same order.
   */
  beginCall(record: AttemptRecord, at: Date): Promise<BeginCallResult>;
  /**
   * One order's confirmation and the start of its call, in one transaction: takes `claimKey` (when it was
   * taken before, nothing is written), appends `confirmed`, then takes the order lock and appends `calling`.
   * When another attempt holds the lock, the claim and the confirmation are kept and the holder returned.
   * One durable write where three separate ones left a crash window between each.
   */
  confirmAndBeginCall(
    claimKey: string,
    confirmed: AttemptRecord,
    calling: AttemptRecord,
    at: Date,
  ): Promise<ConfirmCallResult>;
  /**
   * Appends a `paused` or `resumed` entry (the record's state) to the chain, unless the newest control entry
   * already says the same (no entry at all counts as resumed): the check and the write are one transaction,
   * so two admins pausing at once on two replicas write one entry. The attempts view is untouched: a control
   * entry never shows as an attempt.
   */
  recordControl(record: ControlRecord, at: Date): Promise<ControlChange>;
  /** The newest `paused` or `resumed` entry, or null when there has never been one. Cheap: read every second. */
  controlState(): Promise<ControlEntry | null>;
  /** Appends the outcome entry and releases the order lock held by this attempt, atomically. */
  finishCall(event: AttemptState, record: AttemptRecord, at: Date): Promise<AuditEntry>;
  /** Current snapshot of one attempt, or null. */
  findAttempt(attemptId: string): Promise<AttemptRecord | null>;
  /** Attempts whose latest state is `calling`: a process died between the WDT call and its outcome. */
  findStuckCalling(): Promise<AttemptRecord[]>;
  /** Every entry about one order, oldest first. */
  orderHistory(orderNo: string): Promise<AuditEntry[]>;
  /** Latest snapshots, newest first, optionally filtered. */
  recentAttempts(filter: {
    requesterId?: string;
    states?: AttemptState[];
    limit: number;
  }): Promise<AttemptRecord[]>;
  /** Entries in chain order, filtered by entry time. */
  entries(range?: EntryRange): AsyncIterable<AuditEntry>;
  /** Walks the whole chain and names the first bad entry. */
  verifyChain(): Promise<ChainVerdict>;
  /** The newest entry's position and hash; null while the chain is empty. */
  head(): Promise<ChainHead | null>;
  /** Order locks held now, oldest first. */
  heldLocks(): Promise<HeldLock[]>;
  /**
   * Creates or extends this process's lease: live for `ttlMs` from now, by the store's own clock (the
   * database server's on PostgreSQL), so that replicas whose clocks differ still agree on who is live.
   */
  renewLease(instanceId: string, ttlMs: number): Promise<void>;
  /** Ends a lease at once (a clean stop, after its calls have drained). */
  dropLease(instanceId: string): Promise<void>;
  /** Every lease on record (live or expired), by the store's clock. */
  leases(): Promise<InstanceLease[]>;
  /** Resolves when the store can write; rejects otherwise (drives /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
