import { ACCOUNT_STATUSES, decide, lifecycleRules, type AccountAction } from '../../src/accounts/lifecycle';

describe('account lifecycle', () => {
  const table: Array<[AccountAction, Record<string, string>]> = [
    // action: what it does from active / suspended / cancelled / closed ('=' stays, 'x' refused)
    ['change', { active: '=', suspended: '=', cancelled: 'x', closed: 'x' }],
    ['cancel', { active: 'cancelled', suspended: 'cancelled', cancelled: '=', closed: '=' }],
    ['suspend', { active: 'suspended', suspended: '=', cancelled: 'x', closed: 'x' }],
    ['reactivate', { active: '=', suspended: 'active', cancelled: 'x', closed: 'x' }],
    ['close', { active: 'closed', suspended: 'closed', cancelled: 'closed', closed: '=' }],
    ['assignUser', { active: '=', suspended: 'x', cancelled: 'x', closed: 'x' }],
    ['unassignUser', { active: '=', suspended: '=', cancelled: '=', closed: 'x' }],
    ['updateUser', { active: '=', suspended: '=', cancelled: '=', closed: 'x' }],
    ['orderAddon', { active: '=', suspended: 'x', cancelled: 'x', closed: 'x' }],
    ['changeAddon', { active: '=', suspended: '=', cancelled: 'x', closed: 'x' }],
    ['cancelAddon', { active: '=', suspended: '=', cancelled: '=', closed: '=' }],
  ];

  it.each(table)('%s', (action, expected) => {
    for (const status of ACCOUNT_STATUSES) {
      const decision = decide(action, status);
      const want = expected[status];
      if (want === 'x') {
        expect(decision).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
        if (!decision.allowed) expect(decision.message).toContain(status);
      } else {
        expect(decision).toEqual({ allowed: true, to: want === '=' ? status : want, noChange: want === '=' });
      }
    }
  });

  it('every refusal says what the customer can do about it', () => {
    for (const rule of lifecycleRules())
      for (const refusal of rule.refusals) expect(refusal.action.length).toBeGreaterThan(10);
  });
});
