/**
 * What the cancel use case needs from WangDianTong qjb. Every call resolves to a typed outcome and never
 * throws for anything the network or the vendor can do: the caller must handle each kind explicitly.
 */
export type WdtOutcome<T> =
  | { kind: 'ok'; data: T; durationMs: number }
  /** WDT answered with a non-zero (or missing-but-coded) status: the call ran and was refused. */
  | { kind: 'refused'; status: number | null; code: string | null; message: string; durationMs: number }
  /** `超过每分钟最大…` refusals, still refused after the bounded retries. The call never ran. */
  | { kind: 'rate_limited'; message: string; attempts: number; durationMs: number }
  /** Failed before a byte of the request was sent (DNS, connect refused, connect timeout): safe to retry. */
  | { kind: 'not_sent'; reason: string; durationMs: number }
  /** Sent, then timed out or lost the connection: WDT may or may not have acted. Never blind-retry. */
  | { kind: 'unknown'; reason: string; durationMs: number }
  /** An answer that is not the protocol: HTML 5xx page, non-JSON, empty body, JSON without status. */
  | { kind: 'protocol_error'; httpStatus: number; reason: string; durationMs: number };

export type WdtOutcomeKind = WdtOutcome<unknown>['kind'];

export interface StockinDetailLine {
  goodsName: string;
  specName: string;
  quantity: number;
}

export interface StockinOrder {
  stockinNo: string;
  status: number;
  warehouseNo: string;
  purchaseNo: string;
  providerName: string;
  goodsCount: number;
  totalPrice: number;
  remark: string;
  operatorName: string;
  createdAt: Date | null;
  modifiedAt: Date | null;
  details: StockinDetailLine[];
}

export interface StockinQuery {
  stockinNo: string;
  /** Window by last-modified time; WDT allows at most 30 days between start and end. */
  start: Date;
  end: Date;
}

export interface WdtEnvironment {
  /** Host of the base URL, e.g. `wdt.wangdian.cn`. */
  host: string;
  kind: 'production' | 'test' | 'other';
}

/**
 * What a cancel request may be signed with. The fence is asked right before each signing (the first, each
 * rate-limit retry, the retry after a clock resync) with the timestamp the request will carry; a request is
 * signed only when it passes, and sent only while `stillValid()` (soon after), so that how long WDT may still
 * accept it is known to whoever must later say whether the cancel happened.
 */
export type SendFence = (signingAt: Date) => Promise<FenceGrant>;

export type FenceGrant = { ok: true; stillValid(): boolean } | { ok: false; reason: string };

export interface WdtPort {
  readonly environment: WdtEnvironment;
  /** Signs and sends the cancel (retried as the client's rules say), each signing behind `fence`. */
  cancelStockin(stockinNo: string, fence: SendFence): Promise<WdtOutcome<null>>;
  queryStockin(query: StockinQuery): Promise<WdtOutcome<StockinOrder[]>>;
  /** WDT's clock, for skew correction. */
  serverTime(): Promise<WdtOutcome<Date>>;
}
