import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type SlackStandin, startSlackStandin } from '../../../src/local/slack-standin/web-api.js';
import { buildSlashCommand } from '../../support/slack-requests.js';

/** Short, so a reconnect (which waits clientPingTimeout × consecutive failures) comes quickly. */
const CLIENT_PING_TIMEOUT_MS = 300;

let standin: SlackStandin;

beforeEach(async () => {
  standin = await startSlackStandin();
});

afterEach(async () => {
  await standin.close();
});

describe('Socket Mode stand-in with a real SocketModeClient', () => {
  let client: SocketModeClient | undefined;

  afterEach(async () => {
    await client?.disconnect();
    client = undefined;
  });

  function startClient(): { client: SocketModeClient; commands: unknown[] } {
    const commands: unknown[] = [];
    const created = new SocketModeClient({
      appToken: 'xapp-1-A0STANDIN-1-test',
      clientOptions: { slackApiUrl: standin.apiUrl },
      clientPingTimeout: CLIENT_PING_TIMEOUT_MS,
      logLevel: LogLevel.ERROR,
    });
    created.on(
      'slash_commands',
      async ({ ack, body }: { ack: (r?: object) => Promise<void>; body: unknown }) => {
        commands.push(body);
        await ack({ response_type: 'ephemeral', text: 'Looking up RK1…' });
      },
    );
    client = created;
    return { client: created, commands };
  }

  it('connects with the URL apps.connections.open issued for the app token, and is greeted with hello', async () => {
    const { client } = startClient();
    const connected = await client.start();
    expect(connected).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/),
    });
    expect(standin.callsTo('apps.connections.open')).toEqual([
      expect.objectContaining({ tokenPresent: true, tokenType: 'app' }),
    ]);
    expect(standin.socketMode.connectionCount).toBe(1);
  });

  it('delivers a slash_commands envelope and resolves with the ack the client sent back', async () => {
    const { client, commands } = startClient();
    await client.start();
    const payload = buildSlashCommand({ text: 'RK1', response_url: standin.responseUrl() });

    const ack = await standin.socketMode.deliver({ type: 'slash_commands', payload });

    expect(ack.envelope_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: 'Looking up RK1…' });
    expect(ack.ackedAfterMs).toBeLessThan(3000);
    expect(commands).toEqual([payload]);
  });

  it('reconnects after dropAll(), fetching a fresh URL, and keeps delivering', async () => {
    const { client, commands } = startClient();
    await client.start();
    standin.socketMode.dropAll();

    await standin.socketMode.waitForConnectionCount(2, { timeoutMs: 5000 });
    expect(standin.callsTo('apps.connections.open')).toHaveLength(2);
    const payload = buildSlashCommand({ text: 'RK2', response_url: standin.responseUrl() });
    await expect(standin.socketMode.deliver({ type: 'slash_commands', payload })).resolves.toMatchObject({
      payload: { text: 'Looking up RK1…' },
    });
    expect(commands).toHaveLength(1);
    expect(standin.socketMode.openConnectionCount).toBe(1);
  });

  it('rejects a delivery that is not acked in time, as Slack gives up after 3 seconds', async () => {
    const silent = new SocketModeClient({
      appToken: 'xapp-1-A0STANDIN-1-test',
      clientOptions: { slackApiUrl: standin.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    client = silent;
    await silent.start();
    const payload = buildSlashCommand({ response_url: standin.responseUrl() });
    await expect(
      standin.socketMode.deliver({ type: 'slash_commands', payload }, { timeoutMs: 200 }),
    ).rejects.toThrow(/no ack for slash_commands envelope .* within 200 ms/);
  });

  it('refuses a WebSocket upgrade without a ticket it issued', async () => {
    const forged = `ws://${new URL(standin.apiUrl).host}/link/?ticket=forged`;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const socket = new WebSocket(forged);
      socket.on('unexpected-response', (upgradeRequest, response) => {
        resolve(response.statusCode);
        upgradeRequest.destroy();
      });
      socket.on('open', () => reject(new Error('the stand-in accepted a forged ticket')));
    });
    expect(status).toBe(401);
    expect(standin.socketMode.connectionCount).toBe(0);
  });
});

describe('Socket Mode stand-in with a Bolt App on SocketModeReceiver', () => {
  it('routes a slash command to the listener and carries its ack() text back', async () => {
    // Bolt builds the receiver's SocketModeClient from installerOptions.clientOptions, not the App's clientOptions.
    const receiver = new SocketModeReceiver({
      appToken: 'xapp-1-A0STANDIN-1-test',
      installerOptions: { clientOptions: { slackApiUrl: standin.apiUrl } },
      logLevel: LogLevel.ERROR,
    });
    const app = new App({
      token: 'xoxb-test',
      receiver,
      clientOptions: { slackApiUrl: standin.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/cancel-stockin', async ({ ack, command }) => {
      await ack(`Looking up ${command.text}…`);
    });
    await app.start();
    try {
      const payload = buildSlashCommand({ text: 'RK1', response_url: standin.responseUrl() });
      const ack = await standin.socketMode.deliver({ type: 'slash_commands', payload });
      expect(ack.payload).toEqual({ text: 'Looking up RK1…' });
      expect(standin.callsTo('auth.test')[0]).toMatchObject({ tokenType: 'bot' });
      expect(standin.callsTo('apps.connections.open')[0]).toMatchObject({ tokenType: 'app' });
    } finally {
      // app.stop() resolves before the socket has closed; waiting on the client avoids cutting the close handshake.
      await receiver.client.disconnect();
    }
  });
});
