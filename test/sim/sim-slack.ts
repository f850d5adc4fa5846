import { SlackApiError, type SlackApiPoster } from '../../src/slack/api-poster.js';
import type { World } from './world.js';

/** A message as the simulated Slack keeps it. */
export interface SimMessage {
  channel: string;
  ts: string;
  text: string;
  key: string | null;
  /** The outbox slot it belongs to, from its metadata. */
  slot: string | null;
  /** Edits applied to it (chat.update). */
  edits: number;
}

type Fate = 'ok' | 'unavailable' | 'rate_limited' | 'lost_reply';

/**
 * Slack's Web API as the simulation sees it: channels that keep the messages posted to them (with the
 * outbox's key in their metadata), `conversations.history` to look for them, and faults the tape chooses:
 * HTTP 503, 429 with Retry-After, and an answer lost after the message was posted.
 */
export class SimSlack {
  readonly messages: SimMessage[] = [];
  /** Set while the tape says Slack is having a bad minute. */
  outage: Exclude<Fate, 'ok'> | null = null;
  #ts = 0;

  constructor(private readonly world: World) {}

  posterFor(owner: string): SlackApiPoster {
    return {
      post: (method, body) => this.#call(owner, method, body as Record<string, unknown>),
      close: async () => undefined,
    };
  }

  /** Posts carrying `key`: more than one is a duplicate. */
  postsOf(key: string): SimMessage[] {
    return this.messages.filter((message) => message.key === key);
  }

  #call(owner: string, method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { world } = this;
    const fate: Fate = this.outage ?? (world.tape.chance(3) ? 'lost_reply' : 'ok');
    return new Promise((resolve, reject) => {
      world.schedule(null, world.tape.choose([5, 20, 200]), `slack:${method}`, () => {
        if (fate === 'unavailable') {
          world.schedule(owner, 5, 'slack:503', () =>
            reject(new SlackApiError(method, 'http_503', true, 503)),
          );
          return;
        }
        if (fate === 'rate_limited') {
          world.schedule(owner, 5, 'slack:429', () =>
            reject(new SlackApiError(method, 'ratelimited', true, 429, world.tape.choose([1, 2, 30]))),
          );
          return;
        }
        const answer = this.#handle(method, body);
        if (fate === 'lost_reply') {
          // The client gives up waiting; whether Slack acted is not known to it.
          world.schedule(owner, 10_000, 'slack:timeout', () =>
            reject(new SlackApiError(method, 'UND_ERR_HEADERS_TIMEOUT', true)),
          );
          return;
        }
        world.schedule(owner, 5, 'slack:answer', () =>
          answer.ok ? resolve(answer) : reject(new SlackApiError(method, String(answer.error))),
        );
      });
    });
  }

  #handle(method: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'chat.postMessage': {
        const payload = (body.metadata as { event_payload?: { key?: unknown; slot?: unknown } } | undefined)
          ?.event_payload;
        const message: SimMessage = {
          channel: String(body.channel),
          ts: `${Math.floor(this.world.now / 1000)}.${String(++this.#ts).padStart(6, '0')}`,
          text: String(body.text ?? ''),
          key: typeof payload?.key === 'string' ? payload.key : null,
          slot: typeof payload?.slot === 'string' ? payload.slot : null,
          edits: 0,
        };
        this.messages.push(message);
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === body.channel && m.ts === body.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        message.edits += 1;
        message.text = String(body.text ?? '');
        return { ok: true, channel: message.channel, ts: message.ts };
      }
      case 'conversations.history': {
        const oldest = Number(body.oldest ?? 0);
        const found = this.messages
          .filter((m) => m.channel === body.channel && Number(m.ts) >= oldest)
          .map((m) => ({
            ts: m.ts,
            text: m.text,
            ...(m.key
              ? {
                  metadata: {
                    event_type: 'cancel_stockin_outbox',
                    event_payload: { key: m.key, slot: m.slot },
                  },
                }
              : {}),
          }))
          .reverse();
        return { ok: true, messages: found, has_more: false };
      }
      default:
        // Ephemeral notes, DMs, a Workflow step's completion: accepted.
        return { ok: true, channel: String(body.channel ?? 'D0SIM'), ts: `${++this.#ts}.000000` };
    }
  }
}
