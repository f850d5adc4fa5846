import type {
  ClaimedDelivery,
  DeliveryOutcome,
  OutboxItem,
  OutboxRow,
  OutboxState,
  OutboxSummary,
} from './outbox.js';

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
  'awaiting_verdict',
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

/**
 * Entries besides the attempt's own states: `notified` annotates an attempt without changing its state (where
 * a message went, that a Workflow step was completed); `corrected` is a truth that arrived after the attempt
 * was recorded final (WDT confirmed a cancel the record said had not happened), and the state follows it.
 */
export type AuditEvent = AttemptState | 'notified' | 'corrected' | ControlEvent;

export interface AttemptRecord {
  attemptId: string;
  /** Groups the attempts of one `/cancel-stockin RK1 RK2 …` command; equals attemptId for a single order. */
  batchId: string;
  /**
   * How many orders the batch has, on each of its attempts when it has several (they share one message).
   * Absent on a single order's attempt, on a refused action recorded in a batch, and on records from before.
   */
  batchSize?: number;
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
  /**
   * On `confirmed` records: whether the batch waits for a second person's approval. Written with the
   * confirmation itself, so an approval screen never depends on a later write. Absent on records from before it
   * existed (where a posted approval request, `notifiedVia`, said so).
   */
  approvalRequested?: boolean;
  /** On `calling` records: this attempt signs each cancel request only after a fence (see `AuditStore.fence`). */
  sendFence?: true;
  /**
   * On `awaiting_verdict` and later records: the database time after which no request this attempt signed
   * can still be accepted by WDT. Set by the store when the attempt enters `awaiting_verdict`.
   */
  verdictAfter?: string;
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

/**
 * One attempt's change of state, written only if the attempt is still in the state the writer read it in
 * (a compare-and-set): `from` null writes a new attempt. Which changes exist, and what each does to the
 * order's lock, is the table in `core/transitions.ts`.
 */
export interface Transition {
  from: AttemptState | null;
  /** The attempt after the change: `record.state` is the new state. */
  record: AttemptRecord;
  /** `corrected` records a late truth that changes a final state (see `AuditEvent`); default: the new state. */
  event?: 'corrected';
  /** Conditions on how long the attempt has been in `from`, by the database's clock. */
  guard?: { inStateAtLeastMs?: number; inStateUnderMs?: number };
}

/** Why a write changed nothing. */
export type WriteConflict =
  /** The attempt is no longer in `from` (another process changed it first); `current` is what it is now. */
  | { kind: 'stale'; attemptId: string; current: AttemptRecord | null }
  /** Entering `calling` needs the order's lock, and another attempt holds it. */
  | { kind: 'locked'; attemptId: string; holder: LockHolder }
  /** A guard, or a final verdict asked for before the attempt's `verdictAfter`, by the database's clock. */
  | { kind: 'too_early' | 'too_late'; attemptId: string; current: AttemptRecord };

export type WriteResult =
  | { ok: true; entries: AuditEntry[]; records: AttemptRecord[] }
  | { ok: false; conflict: WriteConflict };

/** Fields an annotation may set; it never changes an attempt's state. */
export type Annotation = Partial<
  Pick<AttemptRecord, 'slackChannelId' | 'slackTs' | 'notifiedVia' | 'stepCompletedAt'>
>;

/** Asked right before a cancel request is signed: may this attempt send, and until when can WDT accept it? */
export interface FenceRequest {
  attemptId: string;
  orderNo: string;
  instanceId: string;
  /** The timestamp the request will be signed with (WDT's time as this process reckons it). */
  signingAt: Date;
  /**
   * How long after the fence WDT may still accept the request, not counting clock skew: the time allowed to
   * sign plus WDT's timestamp window plus a margin. The store adds the skew between `signingAt` and its clock.
   */
  acceptForMs: number;
}

export type FenceResult =
  | { ok: true; acceptUntil: string }
  | {
      ok: false;
      /**
       * `superseded`: the attempt is no longer `calling` in this instance (another process took it over);
       * `lock_lost`: it no longer holds the order's lock; `lease_expired`: this instance's lease is not live;
       * `paused`: an operator paused cancels.
       */
      reason: 'superseded' | 'lock_lost' | 'lease_expired' | 'paused';
      current: AttemptRecord | null;
    };

/** An attempt that holds its order's lock (`calling` or `awaiting_verdict`), with times by the database's clock. */
export interface HeldCall {
  record: AttemptRecord;
  orderNo: string;
  /** Since the attempt took the lock. */
  heldForMs: number;
  /** Whether the instance that made the call has a live lease; null when the record names none. */
  ownerLive: boolean | null;
  /** The latest time WDT may accept a request this attempt signed; null when it never passed a fence. */
  acceptUntil: string | null;
  /** The database's time when this was read. */
  dbNow: string;
}

/** An attempt and how long it has been in its state, by the database's clock. */
export interface IdleAttempt {
  record: AttemptRecord;
  inStateForMs: number;
}

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
  /**
   * Writes attempts' changes of state in one transaction, each only if its attempt is still in `from` (a
   * compare-and-set; several changes of one attempt apply in order). Entering `calling` takes the order's
   * lock, leaving the lock-holding states releases it, entering `awaiting_verdict` sets `verdictAfter`, and a
   * final verdict out of `awaiting_verdict` waits for it. Any conflict writes nothing and names it.
   * `owed` are the messages these changes owe, kept in the outbox in the same transaction (see `OutboxItem`).
   */
  write(transitions: readonly Transition[], at: Date, owed?: readonly OutboxItem[]): Promise<WriteResult>;
  /**
   * Appends a `notified` entry: the attempt as it is now, with `note` added. Never changes its state.
   * Resolves null when the attempt is unknown, or when the note would record a second completion of its
   * Workflow step (a step completes once; two processes may both have seen it running).
   */
  annotate(attemptId: string, note: Annotation, at: Date): Promise<AuditEntry | null>;
  /**
   * The fence before every signed cancel, in one transaction: the attempt is `calling` in `instanceId`, holds
   * its order's lock, that instance's lease is live, and cancels are not paused. Then records until when WDT
   * may accept what is signed now (kept as the latest of every fence of the attempt).
   */
  fence(request: FenceRequest): Promise<FenceResult>;
  /**
   * Appends a `paused` or `resumed` entry (the record's state) to the chain, unless the newest control entry
   * already says the same (no entry at all counts as resumed): the check and the write are one transaction,
   * so two admins pausing at once on two replicas write one entry. The attempts view is untouched: a control
   * entry never shows as an attempt.
   */
  recordControl(record: ControlRecord, at: Date, owed?: readonly OutboxItem[]): Promise<ControlChange>;
  /** The newest `paused` or `resumed` entry, or null when there has never been one. Cheap: read every second. */
  controlState(): Promise<ControlEntry | null>;
  /** Current snapshot of one attempt, or null. */
  findAttempt(attemptId: string): Promise<AttemptRecord | null>;
  /** Current snapshots of every attempt of one batch, in the order they were requested. */
  batchAttempts(batchId: string): Promise<AttemptRecord[]>;
  /** Every attempt holding its order's lock, oldest lock first. */
  heldCalls(): Promise<HeldCall[]>;
  /** Attempts in one of `states` for at least `idleForMs` (database clock), oldest first, at most `limit`. */
  idleAttempts(filter: { states: AttemptState[]; idleForMs: number; limit: number }): Promise<IdleAttempt[]>;
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
  /**
   * Claims up to `limit` owed messages that are due (by the database's clock) for `leaseMs`: of each slot
   * only its newest pending message (older pending ones are superseded in the same transaction), and none of
   * a slot whose message another process is delivering. A claim that lapses can be taken by anyone.
   */
  claimDeliveries(claim: { by: string; limit: number; leaseMs: number }): Promise<ClaimedDelivery[]>;
  /**
   * Right before the message is sent: extends the claim by `leaseMs` if it is still `by`'s and the message
   * still pending. False means another process took it over (or it was settled): send nothing.
   */
  confirmClaim(id: number, by: string, leaseMs: number): Promise<boolean>;
  /**
   * Settles a delivery while it is still `by`'s claim: delivered (with a `notified` entry for each of its
   * attempts, in the same transaction), to be retried after a while, or given up. Resolves with the entries
   * it wrote, or null when the claim was lost meanwhile (nothing written).
   */
  settleDelivery(id: number, by: string, outcome: DeliveryOutcome): Promise<AuditEntry[] | null>;
  /** How many messages wait, since when, and how many were given up. */
  outboxSummary(): Promise<OutboxSummary>;
  /** Messages in the given states, oldest first, at most `limit`. */
  outboxRows(filter: { states: OutboxState[]; limit: number }): Promise<OutboxRow[]>;
  /** Resolves when the store can write; rejects otherwise (drives /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
