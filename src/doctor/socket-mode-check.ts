import { WebSocket } from 'undici';

/**
 * Opens a Socket Mode connection and closes it as soon as Slack says `hello`: proof that the app-level token
 * works and this host reaches Slack's WebSocket endpoint. Closing at once keeps the window in which Slack
 * could hand this connection a request (meant for the running bot) to a few milliseconds.
 */
export function socketModeHello(url: string, timeoutMs: number): Promise<'hello' | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const finish = (outcome: string) => {
      clearTimeout(timer);
      socket.onmessage = null;
      socket.onerror = null;
      socket.onclose = null;
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(`no hello within ${timeoutMs} ms`), timeoutMs);
    socket.onmessage = (event) => {
      let type: unknown;
      try {
        type = (JSON.parse(String(event.data)) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      if (type === 'hello') finish('hello');
    };
    socket.onerror = () => finish('the connection failed');
    socket.onclose = (event) => finish(`closed by Slack (code ${event.code})`);
  });
}
