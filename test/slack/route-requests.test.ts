import type { App } from '@slack/bolt';
import { describe, expect, it, vi } from 'vitest';
import { Approval, COMMAND, ConfirmModal, RejectModal } from '../../src/slack/ids.js';
import { routeSlackRequests, type SlackHandlers } from '../../src/slack/route-requests.js';

type Middleware = (args: Record<string, unknown>) => Promise<void>;

function routed() {
  let middleware: Middleware | undefined;
  const app = { use: (m: Middleware) => (middleware = m) } as unknown as App;
  const handlers = {
    cancelStockin: vi.fn(async () => {}),
    confirmSubmission: vi.fn(async () => {}),
    rejectSubmission: vi.fn(async () => {}),
    unknownView: vi.fn(async () => {}),
    approveButton: vi.fn(async () => {}),
    rejectButton: vi.fn(async () => {}),
    homeOpened: vi.fn(async () => {}),
  };
  routeSlackRequests(app, handlers as unknown as SlackHandlers);
  /** Runs one request through the middleware; names the handler that took it, or 'next' when none did. */
  return async (args: Record<string, unknown>) => {
    const next = vi.fn(async () => {});
    for (const handler of Object.values(handlers)) handler.mockClear();
    await middleware!({ ...args, next });
    const taken = Object.entries(handlers).filter(([, handler]) => handler.mock.calls.length > 0);
    expect(taken.length + next.mock.calls.length).toBe(1);
    return taken[0]?.[0] ?? 'next';
  };
}

const view = (callbackId: string, type = 'view_submission') => ({
  body: { type },
  view: { callback_id: callbackId },
});
const button = (actionId: string, type = 'button') => ({
  body: { type: 'block_actions' },
  action: { type, action_id: actionId },
});

describe('routeSlackRequests', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['our command', 'cancelStockin', { command: { command: COMMAND } }],
    ['another command', 'next', { command: { command: '/deploy' } }],
    ['the confirmation', 'confirmSubmission', view(ConfirmModal.callbackId)],
    ['the reject dialog', 'rejectSubmission', view(RejectModal.callbackId)],
    ['a view we never opened', 'unknownView', view('someone_elses_modal')],
    ['a closed view', 'next', view(ConfirmModal.callbackId, 'view_closed')],
    ['Approve', 'approveButton', button(Approval.approveAction)],
    ['Reject', 'rejectButton', button(Approval.rejectAction)],
    ['another button', 'next', button('open_link')],
    ['a select menu with our id', 'next', button(Approval.approveAction, 'static_select')],
    ['App Home opened', 'homeOpened', { event: { type: 'app_home_opened' } }],
    ['another event', 'next', { event: { type: 'message' } }],
    ['a shortcut', 'next', { shortcut: { callback_id: 'x' } }],
  ])('sends %s to %s', async (_name, expected, args) => {
    expect(await routed()(args)).toBe(expected);
  });
});
