import type { App } from '@slack/bolt';
import { describe, expect, it, vi } from 'vitest';
import type { WorkspaceIdentity } from '../../src/slack/identity.js';
import { Approval, COMMAND, ConfirmModal, RejectModal } from '../../src/slack/ids.js';
import {
  routeSlackRequests,
  type SlackHandlers,
  type WorkspaceGuard,
} from '../../src/slack/route-requests.js';

type Middleware = (args: Record<string, unknown>) => Promise<void>;

const BOUND: WorkspaceIdentity = {
  teamId: 'T0OURS',
  enterpriseId: null,
  appId: 'A0OURS',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
};
const OURS = { team_id: 'T0OURS', api_app_id: 'A0OURS' };

function routed(identity: WorkspaceIdentity | null = BOUND) {
  const refusals: string[] = [];
  const guard: WorkspaceGuard = {
    identity: () => identity,
    refusalText: 'not this workspace',
    refuse: async (_origin, detail) => {
      refusals.push(detail);
    },
  };
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
  routeSlackRequests(app, handlers as unknown as SlackHandlers, guard);
  /**
   * Runs one request (from our workspace unless `body` says otherwise) through the middleware; names the
   * handler that took it, 'next' when none did, or 'refused'.
   */
  const route = async (args: Record<string, unknown>) => {
    const next = vi.fn(async () => {});
    const ack = vi.fn(async (_reply?: unknown) => {});
    for (const handler of Object.values(handlers)) handler.mockClear();
    const refusedBefore = refusals.length;
    const body = { ...OURS, ...(args.body as Record<string, unknown> | undefined) };
    await middleware!({ ...args, body, next, ack });
    const taken = Object.entries(handlers).filter(([, handler]) => handler.mock.calls.length > 0);
    const refused = refusals.length - refusedBefore;
    expect(taken.length + next.mock.calls.length + refused).toBe(1);
    route.lastAck = ack.mock.calls[0];
    return refused ? 'refused' : (taken[0]?.[0] ?? 'next');
  };
  route.lastAck = undefined as unknown[] | undefined;
  route.refusals = refusals;
  return route;
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

describe('workspace binding', () => {
  const command = (body: Record<string, unknown>) => ({ command: { command: COMMAND }, body });

  it.each<[string, Record<string, unknown>, string]>([
    ['another team', { team_id: 'T0OTHER' }, 'team_id T0OTHER'],
    ['another app', { api_app_id: 'A0OTHER' }, 'api_app_id A0OTHER'],
    ['no app id', { api_app_id: '' }, 'api_app_id (none)'],
    ['an Enterprise Grid org we are not in', { enterprise_id: 'E0OTHER' }, 'enterprise_id E0OTHER'],
  ])(
    'refuses a command from %s before any handler, with a refusal in the ack',
    async (_name, body, named) => {
      const route = routed();
      expect(await route(command(body))).toBe('refused');
      expect(route.lastAck).toEqual([{ response_type: 'ephemeral', text: 'not this workspace' }]);
      expect(route.refusals.at(-1)).toContain(named);
    },
  );

  it('refuses a confirmation, a click and an App Home event from another team', async () => {
    const route = routed();
    const foreign = { team_id: undefined, team: { id: 'T0OTHER' } };
    expect(
      await route({ ...view(ConfirmModal.callbackId), body: { type: 'view_submission', ...foreign } }),
    ).toBe('refused');
    expect(route.lastAck).toEqual([]);
    expect(
      await route({ ...button(Approval.approveAction), body: { type: 'block_actions', ...foreign } }),
    ).toBe('refused');
    expect(await route({ event: { type: 'app_home_opened' }, body: { team_id: 'T0OTHER' } })).toBe('refused');
  });

  it('refuses a person from another organisation acting in a shared (Slack Connect) channel', async () => {
    const route = routed();
    const body = { type: 'block_actions', team: { id: 'T0OURS' }, user: { id: 'U0EXT', team_id: 'T0EXT' } };
    expect(await route({ ...button(Approval.approveAction), body })).toBe('refused');
    expect(route.refusals.at(-1)).toContain('user team T0EXT');
  });

  it('binds to the Enterprise Grid organisation when auth.test named one', async () => {
    const route = routed({ ...BOUND, enterpriseId: 'E0OURS' });
    expect(await route(command({}))).toBe('refused');
    expect(await route(command({ enterprise_id: 'E0OURS' }))).toBe('cancelStockin');
  });

  it('accepts a shortcut without api_app_id (Slack does not document it there) but not one naming another app', async () => {
    const route = routed();
    for (const type of ['shortcut', 'message_action']) {
      const shortcut = { shortcut: { callback_id: 'x' } };
      expect(await route({ ...shortcut, body: { type, api_app_id: undefined } })).toBe('next');
      expect(await route({ ...shortcut, body: { type, api_app_id: 'A0OTHER' } })).toBe('refused');
      expect(route.refusals.at(-1)).toContain('api_app_id A0OTHER');
    }
    expect(await route(command({ api_app_id: undefined }))).toBe('refused');
    expect(
      await route({
        ...view(ConfirmModal.callbackId),
        body: { type: 'view_submission', api_app_id: undefined },
      }),
    ).toBe('refused');
  });

  it('does not check the app when neither SLACK_APP_ID nor auth.test gave one', async () => {
    expect(await routed({ ...BOUND, appId: null })(command({ api_app_id: 'A0ANY' }))).toBe('cancelStockin');
  });
});
