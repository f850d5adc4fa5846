import { z } from 'zod';

/** Misbehaviours the sandbox can put on, as seen in the wild or in the vendor's docs. */
const sandboxFaultsSchema = z
  .object({
    /** Wait this long before handling the call: a slow network, the call has not run yet. */
    latencyMs: z.number().int().min(0).max(600_000),
    /** Run the call, then wait this long before answering: the order has changed while the client waits. */
    answerDelayMs: z.number().int().min(0).max(600_000),
    /** Read the request, then never answer. */
    hang: z.boolean(),
    http500Html: z.boolean(),
    http502Html: z.boolean(),
    /** HTTP 200 with an HTML page. */
    nonJson: z.boolean(),
    /** HTTP 200 with no body at all. */
    emptyBody: z.boolean(),
    /** HTTP 200 with JSON that has neither `status` nor `code`. */
    missingStatus: z.boolean(),
    /** `{"code":2102,"message":…}` and no status: a refusal. */
    codeOnly: z.boolean(),
    /** The next n calls are refused with the per-minute rate-limit message. */
    rateLimitNext: z.number().int().min(0).max(1_000_000),
    /** Destroy the socket once the request has been read: the client cannot know what happened. */
    resetAfterRequest: z.boolean(),
    /** Every call is refused with status 6, as WDT refuses a caller whose IP is not on the appkey's whitelist. */
    ipNotWhitelisted: z.boolean(),
    /** Shifts the sandbox's clock: its timestamp check and `system.Core.now`. */
    clockOffsetSec: z.number().int().min(-10_000_000).max(10_000_000),
  })
  .partial()
  .strict();

export type SandboxFaults = z.infer<typeof sandboxFaultsSchema>;

/** Body of `POST /__sandbox/faults`: fault knobs, optionally scoped to one method. */
export const faultRequestSchema = sandboxFaultsSchema
  .extend({ method: z.string().min(1).optional() })
  .strict();

/**
 * The faults in force: one global set and one set per method. A method's own knobs win over the global ones;
 * `rateLimitNext` counts down in the scope that supplied it.
 */
export class FaultBoard {
  #global: SandboxFaults = {};
  readonly #byMethod = new Map<string, SandboxFaults>();

  /** Merges knobs into the global set, or into one method's set. */
  set(faults: SandboxFaults, method?: string): void {
    const parsed = sandboxFaultsSchema.parse(faults);
    if (method === undefined) this.#global = { ...this.#global, ...parsed };
    else this.#byMethod.set(method, { ...this.#byMethod.get(method), ...parsed });
  }

  reset(): void {
    this.#global = {};
    this.#byMethod.clear();
  }

  /** The knobs that apply to a call of `method`. */
  for(method: string): SandboxFaults {
    return { ...this.#global, ...this.#byMethod.get(method) };
  }

  /** True (and one fewer left) when this call of `method` is to be rate limited. */
  takeRateLimit(method: string): boolean {
    const scoped = this.#byMethod.get(method);
    const scope = scoped?.rateLimitNext !== undefined ? scoped : this.#global;
    if (!scope.rateLimitNext || scope.rateLimitNext <= 0) return false;
    scope.rateLimitNext -= 1;
    return true;
  }

  /** What is set, for `GET`-style inspection and the control endpoint's answer. */
  snapshot(): { global: SandboxFaults; byMethod: Record<string, SandboxFaults> } {
    return { global: { ...this.#global }, byMethod: Object.fromEntries(this.#byMethod) };
  }
}
