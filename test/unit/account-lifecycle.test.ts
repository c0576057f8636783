import {
  ACCOUNT_STATUSES,
  decide,
  lifecycleRules,
  restrictionsOf,
  type AccountAction,
  type RestrictionSubject,
} from '../../src/accounts/lifecycle';

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

  describe('restrictions answered from the same table', () => {
    const on = (
      operation: Extract<RestrictionSubject, { kind: 'account' }>['operation'],
      status: (typeof ACCOUNT_STATUSES)[number],
      more: { maxUsers?: number | null; seatsUsed?: number; seatsAsked?: number[]; newUsers?: number } = {},
    ) =>
      restrictionsOf({
        kind: 'account',
        operation,
        account: { status, maxUsers: more.maxUsers ?? null, seatsUsed: more.seatsUsed ?? 1 },
        seatsAsked: more.seatsAsked ?? [],
        newUsers: more.newUsers ?? 0,
      }).map((r) => r.code);

    it('restricts exactly what the events refuse, state by state', () => {
      const actions = {
        SUBSCRIPTION_CHANGE: 'change',
        SUBSCRIPTION_CANCEL: 'cancel',
        USER_ASSIGNMENT: 'assignUser',
        USER_UNASSIGNMENT: 'unassignUser',
        SUBSCRIPTION_ORDER: 'orderAddon',
      } as const;
      for (const [operation, action] of Object.entries(actions) as Array<[keyof typeof actions, AccountAction]>)
        for (const status of ACCOUNT_STATUSES)
          expect([operation, status, on(operation, status).length > 0]).toEqual([
            operation,
            status,
            !decide(action, status).allowed,
          ]);
    });

    it('restricts an initial order only when the company has a live account', () => {
      expect(restrictionsOf({ kind: 'order', liveAccount: null })).toEqual([]);
      expect(restrictionsOf({ kind: 'order', liveAccount: 'acct-1' }).map((r) => r.code)).toEqual([
        'SUBSCRIPTION_ALREADY_EXISTS',
      ]);
    });

    it('restricts a seat change below the users assigned and an assignment past the free seats', () => {
      expect(on('SUBSCRIPTION_CHANGE', 'active', { seatsUsed: 3, seatsAsked: [3, 2] })).toEqual([
        'SEAT_CHANGE_NOT_ALLOWED',
      ]);
      expect(on('USER_ASSIGNMENT', 'active', { maxUsers: 3, seatsUsed: 2, newUsers: 1 })).toEqual([]);
      expect(on('USER_ASSIGNMENT', 'active', { maxUsers: 3, seatsUsed: 2, newUsers: 2 })).toEqual([
        'MAX_ENTITLEMENTS_REACHED',
      ]);
      expect(on('USER_ASSIGNMENT', 'active', { maxUsers: null, seatsUsed: 200, newUsers: 50 })).toEqual([]);
    });
  });
});
