import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type {
  BlockAction,
  GlobalShortcut,
  MessageShortcut,
  SlackViewAction,
  SlashCommand,
} from '@slack/bolt';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.js';
import { STANDIN_WORKSPACE } from './workspace-identity.js';

/** What Slack pushes down a Socket Mode connection for the kinds of request this app handles. */
export type SocketModeDelivery =
  | { type: 'slash_commands'; payload: SlashCommand; accepts_response_payload?: boolean }
  | {
      type: 'interactive';
      payload: BlockAction | SlackViewAction | MessageShortcut | GlobalShortcut;
      accepts_response_payload?: boolean;
    }
  | { type: 'events_api'; payload: Record<string, unknown>; accepts_response_payload?: boolean };

/** The app's `{ envelope_id, payload }` answer; `payload` is `{}` when the listener acked with nothing. */
export interface SocketModeAck {
  envelope_id: string;
  payload?: unknown;
  /** From sending the envelope to reading the ack: what Slack holds against its 3-second deadline. */
  ackedAfterMs: number;
}

export interface SocketModeStandin {
  /** A single-use `ws://…/link/?ticket=…` URL, as apps.connections.open returns (Slack's tickets are single-use too). */
  issueConnectionUrl(): string;
  /** Sends an envelope to the newest open connection and resolves with the app's ack. */
  deliver(delivery: SocketModeDelivery, options?: { timeoutMs?: number }): Promise<SocketModeAck>;
  /** Cuts every open connection without a close frame, as a network failure would. */
  dropAll(): void;
  /** Connections accepted since start, including ones since dropped. */
  readonly connectionCount: number;
  readonly openConnectionCount: number;
  waitForConnectionCount(count: number, options?: { timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export interface SocketModeStandinOptions {
  /** `ws://host:port` of the server this attaches to. */
  wsOrigin: string;
  logger?: Logger;
}

/** Slack shows the user an error when an envelope is not acked within 3 seconds. */
const SLACK_ACK_DEADLINE_MS = 3000;
const LINK_PATH = '/link/';

interface Connection {
  readonly id: number;
  readonly socket: WebSocket;
}

interface PendingAck {
  readonly connection: Connection;
  readonly sentAtMs: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (ack: SocketModeAck) => void;
  readonly reject: (error: Error) => void;
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function defaultAcceptsResponsePayload(delivery: SocketModeDelivery): boolean {
  if (delivery.type === 'slash_commands') return true;
  return delivery.type === 'interactive' && delivery.payload.type === 'view_submission';
}

function parseAck(data: RawData): { envelope_id: string; payload?: unknown } | undefined {
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || !('envelope_id' in message)) return undefined;
  const { envelope_id } = message;
  if (typeof envelope_id !== 'string') return undefined;
  return 'payload' in message ? { envelope_id, payload: message.payload } : { envelope_id };
}

/**
 * Socket Mode on the stand-in's own HTTP server: the upgrade handler accepts the tickets that
 * apps.connections.open issued, greets each connection with `hello`, and matches acks to envelopes.
 */
export function attachSocketModeStandin(
  server: Server,
  options: SocketModeStandinOptions,
): SocketModeStandin {
  const { logger } = options;
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const open: Connection[] = [];
  const pending = new Map<string, PendingAck>();
  const connectionListeners = new Set<() => void>();
  let accepted = 0;

  function settle(envelopeId: string): PendingAck | undefined {
    const entry = pending.get(envelopeId);
    if (entry === undefined) return undefined;
    pending.delete(envelopeId);
    clearTimeout(entry.timer);
    return entry;
  }

  function onConnection(socket: WebSocket): void {
    accepted += 1;
    const connection: Connection = { id: accepted, socket };
    open.push(connection);
    logger?.debug({ connection: connection.id }, 'socket mode connection opened');
    socket.on('message', (data, isBinary) => {
      const ack = isBinary ? undefined : parseAck(data);
      if (ack === undefined) return;
      const entry = settle(ack.envelope_id);
      entry?.resolve({ ...ack, ackedAfterMs: performance.now() - entry.sentAtMs });
    });
    socket.on('error', (error) => logger?.debug({ err: error }, 'socket mode connection error'));
    socket.on('close', () => {
      open.splice(open.indexOf(connection), 1);
      for (const [envelopeId, entry] of pending) {
        if (entry.connection === connection) {
          settle(envelopeId);
          entry.reject(new Error(`Socket Mode connection closed before envelope ${envelopeId} was acked`));
        }
      }
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: open.length,
        debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: STANDIN_WORKSPACE.appId },
      }),
    );
    for (const listener of connectionListeners) listener();
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', options.wsOrigin);
    const ticket = url.searchParams.get('ticket');
    if (url.pathname !== LINK_PATH) refuseUpgrade(socket, '404 Not Found');
    else if (ticket === null || !tickets.delete(ticket)) refuseUpgrade(socket, '401 Unauthorized');
    else wss.handleUpgrade(request, socket, head, onConnection);
  }
  server.on('upgrade', onUpgrade);

  function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!condition()) return;
        connectionListeners.delete(listener);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        connectionListeners.delete(listener);
        reject(new Error(`Socket Mode stand-in: ${what} within ${timeoutMs} ms (accepted ${accepted})`));
      }, timeoutMs);
      connectionListeners.add(listener);
    });
  }

  return {
    issueConnectionUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${options.wsOrigin}${LINK_PATH}?ticket=${ticket}&app_id=${STANDIN_WORKSPACE.appId}`;
    },

    async deliver(delivery, { timeoutMs = SLACK_ACK_DEADLINE_MS } = {}) {
      await waitUntil(() => open.length > 0, timeoutMs, 'no open connection');
      const connection = open.at(-1)!;
      const envelopeId = randomUUID();
      const envelope = {
        envelope_id: envelopeId,
        type: delivery.type,
        payload: delivery.payload,
        accepts_response_payload:
          delivery.accepts_response_payload ?? defaultAcceptsResponsePayload(delivery),
      };
      return new Promise<SocketModeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(envelopeId);
          reject(new Error(`no ack for ${delivery.type} envelope ${envelopeId} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(envelopeId, { connection, sentAtMs: performance.now(), timer, resolve, reject });
        connection.socket.send(JSON.stringify(envelope), (error) => {
          if (error !== undefined && error !== null && settle(envelopeId) !== undefined) reject(error);
        });
      });
    },

    dropAll() {
      for (const connection of [...open]) connection.socket.terminate();
    },

    get connectionCount() {
      return accepted;
    },

    get openConnectionCount() {
      return open.length;
    },

    waitForConnectionCount(count, { timeoutMs = 5000 } = {}) {
      return waitUntil(() => accepted >= count, timeoutMs, `fewer than ${count} connections`);
    },

    close() {
      server.off('upgrade', onUpgrade);
      for (const [envelopeId, entry] of pending) {
        settle(envelopeId);
        entry.reject(new Error('Socket Mode stand-in closed'));
      }
      for (const connection of [...open]) connection.socket.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
