/** USER_ASSIGNMENT / USER_UNASSIGNMENT / USER_UPDATED. */
import { fail, ok, type ApplyContext, type Outcome } from './outcome';
import { lockAccount, personArgs, seatsUsed, upsertUser } from './store';

export async function userAssignment(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const account = await lockAccount(tx, document.payload.account?.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const person = document.payload.user;
  if (!person) return fail('INVALID_RESPONSE', 'The assignment carries no user (payload.user).');
  if (account.status !== 'active') return fail('FORBIDDEN', `The subscription is ${account.status}; users cannot be assigned.`);
  const user = await upsertUser(tx, person);
  const seat = await tx.seat.findUnique({ where: { accountId_userId: { accountId: account.id, userId: user.id } } });
  if (seat) return fail('USER_ALREADY_EXISTS', 'This user is already assigned to the subscription.');
  // The account row is locked (lockAccount), so this count cannot race a concurrent assignment.
  if (account.maxUsers !== null && (await seatsUsed(tx, account.id)) >= account.maxUsers) {
    return fail('MAX_USERS_REACHED', `All ${account.maxUsers} seats are taken; buy more seats or unassign a user first.`);
  }
  await tx.seat.create({ data: { accountId: account.id, userId: user.id, role: 'user' } });
  return ok('User assigned.', {
    userIdentifier: person.uuid,
    hooks: [{ kind: 'userAssigned', accountId: account.id, args: { accountIdentifier: account.id, user: personArgs(person) } }],
  });
}

export async function userUnassignment(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const account = await lockAccount(tx, document.payload.account?.accountIdentifier);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const person = document.payload.user;
  if (!person) return fail('INVALID_RESPONSE', 'The unassignment carries no user (payload.user).');
  const user = await tx.user.findUnique({ where: { uuid: person.uuid } });
  const seat = user ? await tx.seat.findUnique({ where: { accountId_userId: { accountId: account.id, userId: user.id } } }) : null;
  if (!user || !seat) return fail('USER_NOT_FOUND');
  if (seat.role === 'owner') return fail('UNAUTHORIZED');
  await tx.seat.delete({ where: { accountId_userId: { accountId: account.id, userId: user.id } } });
  return ok('User unassigned.', {
    userIdentifier: person.uuid,
    hooks: [{ kind: 'userUnassigned', accountId: account.id, args: { accountIdentifier: account.id, user: personArgs(person) } }],
  });
}

/** USER_UPDATED: AppDirect documents no payload; we accept `payload.user` and/or `payload.company` (protocol reference §6, [INFERRED]). */
export async function userUpdated(ctx: ApplyContext): Promise<Outcome> {
  const { tx, document } = ctx;
  const { user: person, company, account: accountRef } = document.payload;
  const account = accountRef?.accountIdentifier ? await lockAccount(tx, accountRef.accountIdentifier) : null;
  if (accountRef?.accountIdentifier && !account) return fail('ACCOUNT_NOT_FOUND');
  if (person) {
    const known = await tx.user.findUnique({ where: { uuid: person.uuid } });
    if (!known) return fail('USER_NOT_FOUND');
    await upsertUser(tx, person);
  }
  if (company && account) {
    await tx.account.update({
      where: { id: account.id },
      data: {
        companyName: company.name,
        companyEmail: company.email ?? account.companyEmail,
        companyPhone: company.phoneNumber ?? account.companyPhone,
        companyWebsite: company.website ?? account.companyWebsite,
        companyCountry: company.country ?? account.companyCountry,
      },
    });
  }
  return ok('Details updated.', {
    userIdentifier: person?.uuid,
    hooks: [{ kind: 'userUpdated', accountId: account?.id, args: { accountIdentifier: account?.id ?? null, user: person ? personArgs(person) : null } }],
  });
}
