/** USER_ASSIGNMENT / USER_UNASSIGNMENT / USER_UPDATED. */
import { updateCompany } from '../../accounts/accounts';
import { seatsTakenRefusal } from '../../accounts/lifecycle';
import { findSeat, findUser, removeSeat, upsertUser } from '../../accounts/users';
import type { DocumentOf } from '../schema';
import { decideFor, fail, lockedAccount, ok, personArgs, type ApplyContext, type Outcome } from './outcome';

export async function userAssignment(ctx: ApplyContext<DocumentOf<'USER_ASSIGNMENT'>>): Promise<Outcome> {
  const { document } = ctx;
  const account = await lockedAccount(ctx, document.payload.account.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const person = document.payload.user;
  const allowed = decideFor(ctx, account, 'assignUser');
  if (!allowed.allowed) return fail(allowed.code, allowed.message);
  // Upsert the user, check the seat and the limit, take the seat: one round trip (takeSeat), or this event's
  // share of the two that take the seats of the run's consecutive assignments (takeSeats).
  const taking = await ctx.seats.take(ctx.eventSeq, account.id, person, account.maxUsers);
  if (taking === 'already_assigned')
    return fail('USER_ALREADY_EXISTS', 'This user is already assigned to the subscription.');
  if (taking === 'no_seat_left') {
    // takeSeat found every seat taken, so the message is the one for a full account.
    const full = account.maxUsers ?? 0;
    return fail('MAX_USERS_REACHED', seatsTakenRefusal(full, full) ?? 'Every seat is taken.');
  }
  return ok('User assigned.', {
    userIdentifier: person.uuid,
    hooks: [
      {
        kind: 'userAssigned',
        accountId: account.id,
        args: { accountIdentifier: account.id, user: personArgs(person) },
      },
    ],
  });
}

export async function userUnassignment(ctx: ApplyContext<DocumentOf<'USER_UNASSIGNMENT'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const account = await lockedAccount(ctx, document.payload.account.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const person = document.payload.user;
  const allowed = decideFor(ctx, account, 'unassignUser');
  if (!allowed.allowed) return fail(allowed.code, allowed.message);
  const user = await findUser(sql, person.uuid);
  const seat = user ? await findSeat(sql, account.id, user.id) : null;
  if (!user || !seat) return fail('USER_NOT_FOUND');
  if (seat.role === 'owner') return fail('UNAUTHORIZED');
  await removeSeat(sql, account.id, user.id);
  return ok('User unassigned.', {
    userIdentifier: person.uuid,
    hooks: [
      {
        kind: 'userUnassigned',
        accountId: account.id,
        args: { accountIdentifier: account.id, user: personArgs(person) },
      },
    ],
  });
}

/**
 * USER_UPDATED: AppDirect documents no payload; we accept `payload.user` and/or `payload.company`
 * (protocol reference §6, [INFERRED]: "log and accept"). A user we have never seen is recorded (so a later
 * assignment starts from the latest details) and the update is a success: refusing it would show the
 * marketplace a failure for a change that concerns nothing we hold.
 */
export async function userUpdated(ctx: ApplyContext<DocumentOf<'USER_UPDATED'>>): Promise<Outcome> {
  const { sql, document } = ctx;
  const { user: person, company, account: accountRef } = document.payload;
  const account = accountRef?.accountIdentifier ? await lockedAccount(ctx, accountRef.accountIdentifier) : null;
  if (accountRef?.accountIdentifier && !account) return fail('ACCOUNT_NOT_FOUND');
  if (account) {
    const allowed = decideFor(ctx, account, 'updateUser');
    if (!allowed.allowed) return fail(allowed.code, allowed.message);
  }
  const known = person ? (await findUser(sql, person.uuid)) !== null : true;
  if (person) await upsertUser(sql, person);
  if (company && account) await updateCompany(ctx.accounts, account, company);
  return ok(known ? 'Details updated.' : 'Details recorded (the user holds no seat here).', {
    userIdentifier: person?.uuid,
    hooks: [
      {
        kind: 'userUpdated',
        accountId: account?.id,
        args: { accountIdentifier: account?.id ?? null, user: person ? personArgs(person) : null },
      },
    ],
  });
}
