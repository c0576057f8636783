/**
 * AppDirect's synchronous questions (restrictions, migration, domains) are authenticated exactly like the event
 * notification; an OAuth 1.0a nonce is spent before anything is computed, so a replayed question is refused
 * with 401 and answers nothing. (The callback spends it in the statement that records the event instead.)
 */
import type { Response } from 'express';
import { NonceReplayedError } from '../../errors/internal';
import { recordNonce } from '../../inbox/record';
import type { AppDeps } from '../deps';
import { callerOf, nonceReplayedError } from '../auth/authenticate';

export async function spendNonce(deps: Pick<AppDeps, 'config' | 'prisma'>, res: Response): Promise<void> {
  const { nonce } = callerOf(res);
  if (!nonce) return;
  try {
    await recordNonce(deps.prisma, nonce);
  } catch (error) {
    if (error instanceof NonceReplayedError) throw nonceReplayedError(deps.config);
    throw error;
  }
}
