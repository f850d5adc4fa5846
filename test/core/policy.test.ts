import { describe, expect, it } from 'vitest';
import { createCancelPolicy } from '../../src/core/policy.js';
import type { Directory } from '../../src/core/ports/directory.js';

const directory = (groups: Record<string, string[]>): Directory => ({
  async usergroupMembers(groupId) {
    const members = groups[groupId];
    if (!members) throw new Error('no_such_subteam');
    return members;
  },
});

describe('cancel policy', () => {
  it('denies everybody when no user or group is configured', async () => {
    const policy = createCancelPolicy({
      allow: { users: [], usergroups: [] },
      channels: [],
      directory: directory({}),
    });
    expect(policy.configured).toBe(false);
    expect(await policy.canRequest('U1', 'C1')).toEqual({ allowed: false, reason: 'nobody_configured' });
  });

  it('allows listed users and members of listed groups, and nobody else', async () => {
    const policy = createCancelPolicy({
      allow: { users: ['UALICE'], usergroups: ['SBUYERS'] },
      channels: [],
      directory: directory({ SBUYERS: ['UBOB'] }),
    });
    expect(await policy.canRequest('UALICE', 'C1')).toEqual({ allowed: true, via: 'user' });
    expect(await policy.canRequest('UBOB', 'C1')).toEqual({ allowed: true, via: 'usergroup' });
    expect(await policy.canRequest('UMALLORY', 'C1')).toEqual({ allowed: false, reason: 'not_listed' });
  });

  it('restricts to the allowed channels when they are set', async () => {
    const policy = createCancelPolicy({
      allow: { users: ['UALICE'], usergroups: [] },
      channels: ['COPS'],
      directory: directory({}),
    });
    expect(await policy.canRequest('UALICE', 'COPS')).toEqual({ allowed: true, via: 'user' });
    expect(await policy.canRequest('UALICE', 'CRANDOM')).toEqual({
      allowed: false,
      reason: 'channel_not_allowed',
    });
  });

  it('denies, and says why, when Slack cannot tell group membership', async () => {
    const policy = createCancelPolicy({
      allow: { users: [], usergroups: ['SGONE'] },
      channels: [],
      directory: directory({}),
    });
    expect(await policy.canRequest('UBOB', 'C1')).toEqual({
      allowed: false,
      reason: 'directory_unavailable',
    });
  });

  it('lets nobody administer unless admins are configured, and admins are not thereby allowed to cancel', async () => {
    const none = createCancelPolicy({
      allow: { users: ['UALICE'], usergroups: [] },
      channels: [],
      directory: directory({}),
    });
    expect(await none.isAdmin('UALICE')).toEqual({ allowed: false, reason: 'nobody_configured' });

    const policy = createCancelPolicy({
      allow: { users: ['UALICE'], usergroups: [] },
      admins: { users: ['UOPS'], usergroups: ['SOPS'] },
      channels: [],
      directory: directory({ SOPS: ['UCAROL'] }),
    });
    expect(await policy.isAdmin('UOPS')).toEqual({ allowed: true, via: 'user' });
    expect(await policy.isAdmin('UCAROL')).toEqual({ allowed: true, via: 'usergroup' });
    expect(await policy.isAdmin('UALICE')).toEqual({ allowed: false, reason: 'not_listed' });
    expect(await policy.canRequest('UOPS', 'C1')).toEqual({ allowed: false, reason: 'not_listed' });
    expect(await policy.canSeeActivity('UCAROL')).toBe(true);
    expect(await policy.canSeeActivity('UMALLORY')).toBe(false);
  });
});
