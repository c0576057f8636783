/**
 * runEvent against a real PostgreSQL, for races between workers that the
 * end-to-end tests only hit by chance.
 */
import pg from 'pg';
import type { Prisma } from '../../src/db/client';
import { connectProduct } from '../../src/hooks/product';
import { runEvent } from '../../src/inbox/run';
import { MarketplaceClient } from '../../src/marketplace/client';
import { assignEvent } from '../support/events';
import { createTestDatabase, silentLogger, testConfig, type TestDatabase } from '../support/infra';

describe('runEvent', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('says "finished elsewhere" when another worker finished the event while this one waited for the account lock', async () => {
    const token = 'drained-elsewhere';
    const account = 'acct-race';
    await db.prisma.event.create({
      data: {
        token,
        eventUrl: `https://marketplace.example/api/integration/v1/events/${token}`,
        marketplaceBaseUrl: 'https://marketplace.example',
        status: 'queued',
        type: 'USER_ASSIGNMENT',
        accountId: account,
        payload: {
          ...assignEvent(account),
          marketplace: { partner: 'ACME', baseUrl: 'https://marketplace.example' },
        } as Prisma.InputJsonObject,
      },
    });
    // The other worker: holds the account lock, then finishes the event and commits.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`account:${account}`]);
      const config = testConfig();
      const deps = {
        db: db.prisma,
        marketplace: new MarketplaceClient({ credentials: {} }),
        config,
        product: await connectProduct(config, silentLogger),
      };
      const running = runEvent(deps, token, { workerId: 'this-worker' });
      // Wait until this worker has claimed the row (and so is waiting for the lock).
      for (let i = 0; i < 100; i += 1) {
        const row = await db.prisma.event.findUniqueOrThrow({ where: { token } });
        if (row.status === 'processing') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.query(
        `UPDATE events SET status = 'succeeded', result = '{"success":true,"message":"by the other worker"}' WHERE token = $1`,
        [token],
      );
      await other.query('COMMIT');
      const outcome = await running;
      // Without alreadyFinished the caller would count the event again and drain its account a second time.
      expect(outcome).toMatchObject({
        own: { kind: 'alreadyFinished', result: { success: true, message: 'by the other worker' } },
        finished: [],
      });
      expect(await db.prisma.seat.count()).toBe(0);
    } finally {
      await other.end();
    }
  });
});
