/**
 * Issue #27: every report the product makes reaches the marketplace exactly once, with its own key, in order per
 * account — whatever happens on the way.
 *
 * Random sequences over two accounts of: reports taken (some sent again under the same key, which must be
 * answered as the first time), delivery attempts at any pending report of an account (not only its first: a
 * later one must wait) meeting a fault — none, a 503, a marketplace that hangs (the attempt times out, nothing
 * taken), a marketplace that takes the report and whose answer is lost, a worker that dies before its call or
 * after the marketplace took it (its attempt never records anything; its lease stays) — and time passing (every
 * lease runs out). Then the queue drains (attempts without faults until nothing is pending) and the marketplace
 * must hold each accepted report once, under its own key, in the order the reports of its account were taken.
 *
 * With the metered-usage v2 API (an idempotency key) every fault is in play. With the v1 billing API, which
 * takes no key, the faults that leave the marketplace holding a report we could not record (its answer lost,
 * a worker dying after the call) are left out: that window is the v1 API's (README, "Billing usage").
 *
 * Real PostgreSQL and a real HTTP fake marketplace; the attempts are the reports job's own (deliverReport),
 * run by the test rather than BullMQ so that a crash lands exactly where the step says.
 */
import fc from 'fast-check';
import { acceptReport } from '../../src/billing/accept';
import { deliverReport } from '../../src/billing/deliver';
import type { UsageReport } from '../../src/billing/usage';
import { MarketplaceClient } from '../../src/marketplace/client';
import { FakeMarketplace, type Fault } from '../../tools/fake-marketplace/server';
import { createTestDatabase, testConfig, type TestDatabase } from '../support/infra';
import { runSettings, seedsToRun, timeoutFor } from './exploration';

const FIXED_SEED = 20261208;
const RUNS = Number(process.env.FC_RUNS ?? 12);
const CONSUMER = { key: 'property-consumer', secret: 'property-secret' };
const ACCOUNTS = ['acct-a', 'acct-b'] as const;

type Fault_ = 'none' | '503' | 'hang' | 'lost-answer' | 'crash-before' | 'crash-after';
type Step =
  | { kind: 'report'; account: number; again: boolean }
  | { kind: 'attempt'; account: number; pick: number; fault: Fault_ }
  | { kind: 'time-passes' };

const steps = (faults: readonly Fault_[]) =>
  fc.array(
    fc.oneof(
      {
        arbitrary: fc.record({ kind: fc.constant('report' as const), account: fc.nat(1), again: fc.boolean() }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('attempt' as const),
          account: fc.nat(1),
          pick: fc.nat(5),
          fault: fc.constantFrom(...faults),
        }),
        weight: 6,
      },
      { arbitrary: fc.constant({ kind: 'time-passes' as const }), weight: 1 },
    ),
    { minLength: 4, maxLength: 24 },
  );

/** A marketplace client whose call never ends: a worker that died there (before the call, or once it was made). */
class DyingClient extends MarketplaceClient {
  constructor(
    private readonly real: MarketplaceClient,
    private readonly when: 'before' | 'after',
  ) {
    super({ credentials: { consumer: CONSUMER }, timeoutMs: real.timeoutMs });
  }

  override async postJson(url: string, json: string, options: { consumer?: { key: string; secret: string } } = {}) {
    if (this.when === 'after') await this.real.postJson(url, json, options);
    return new Promise<never>(() => undefined); // the process is gone: nothing after this runs
  }
}

describe.each([
  { api: 'v2' as const, faults: ['none', '503', 'hang', 'lost-answer', 'crash-before', 'crash-after'] as Fault_[] },
  { api: 'v1' as const, faults: ['none', '503', 'hang', 'crash-before'] as Fault_[] },
])('report delivery with the $api API', ({ api, faults }) => {
  let db: TestDatabase;
  let marketplace: FakeMarketplace;
  let client: MarketplaceClient;
  const config = testConfig({ APPDIRECT_USAGE_API: api });

  beforeAll(async () => {
    db = await createTestDatabase();
    marketplace = await new FakeMarketplace({ consumer: CONSUMER }).start();
    client = new MarketplaceClient({ credentials: { consumer: CONSUMER }, timeoutMs: 300 });
  });
  afterAll(async () => {
    await marketplace.stop();
    await db.drop();
  });

  /** The keys the marketplace holds for an account, in the order it took them. */
  const received = (account: string): string[] =>
    api === 'v2'
      ? marketplace.meteredUsageOf(account).map((usage) => String(usage.body.idempotencyKey))
      : marketplace
          .usageOf(account)
          .map((usage) => String((usage.body.items as Array<{ description: string }>)[0]!.description));

  async function play(run: number, sequence: Step[]): Promise<void> {
    const sql = db.prisma;
    await sql.$executeRaw`TRUNCATE marketplace_reports, accounts CASCADE`;
    marketplace.usage.length = 0;
    marketplace.meteredUsage.length = 0;
    marketplace.usageFaults = [];
    marketplace.meteredFaults = [];
    const ids = ACCOUNTS.map((account) => `${account}-${run}`);
    for (const id of ids)
      await sql.account.create({
        data: {
          id,
          companyUuid: `company-${id}`,
          companyName: id,
          editionCode: 'PRO',
          marketplaceBaseUrl: marketplace.origin,
          createdByEventToken: `token-${id}`,
        },
      });
    const deps = { db: sql, marketplace: client, config };
    const taken: string[][] = ids.map(() => []);
    let next = 0;
    const take = async (account: number, key: string) => {
      const report: UsageReport = {
        items: [{ unit: 'UNIT', quantity: `${account}.5`, description: key }],
        currency: 'USD',
        date: '2026-12-01T00:00:00Z',
      };
      return acceptReport(sql, {
        kind: 'usage',
        accountId: ids[account]!,
        addonInstanceId: null,
        idempotencyKey: key,
        body: report,
      });
    };
    const attempt = async (reportId: bigint, fault: Fault_) => {
      const scripted: Partial<Record<Fault_, Fault>> = {
        '503': { status: 503, times: 1 },
        hang: { hang: true, times: 1 },
        'lost-answer': { takeThenHang: true, times: 1 },
      };
      const script = scripted[fault];
      if (script) (api === 'v2' ? marketplace.meteredFaults : marketplace.usageFaults).unshift(script);
      if (fault === 'crash-before' || fault === 'crash-after') {
        const dying = new DyingClient(client, fault === 'crash-before' ? 'before' : 'after');
        void deliverReport({ ...deps, marketplace: dying }, reportId, { isLastAttempt: false }).catch(() => undefined);
        // The attempt has claimed its report (or found it not claimable) once its lease is set or it gave up.
        await new Promise((resolve) => setTimeout(resolve, 150));
        return;
      }
      await deliverReport(deps, reportId, { isLastAttempt: false }).catch(() => undefined);
      if (script) script.times = 0; // an attempt that waited did not make the call: drop what it did not meet
    };
    const pending = (accountId: string) =>
      sql.marketplaceReport.findMany({ where: { accountId, status: 'pending' }, orderBy: { id: 'asc' } });

    for (const step of sequence) {
      if (step.kind === 'report') {
        const key = `r${run}-${(next += 1)}`;
        const first = await take(step.account, key);
        expect(first.outcome).toBe('accepted');
        taken[step.account]!.push(key);
        if (step.again) {
          const again = await take(step.account, key);
          expect({ outcome: again.outcome, id: 'report' in again ? again.report.id : null }).toEqual({
            outcome: 'replayed',
            id: 'report' in first ? first.report.id : null,
          });
        }
      } else if (step.kind === 'attempt') {
        const open = await pending(ids[step.account]!);
        const report = open[step.pick % Math.max(open.length, 1)];
        if (report) await attempt(report.id, step.fault);
      } else {
        await sql.$executeRaw`UPDATE marketplace_reports SET "leaseUntil" = now() - interval '1 millisecond' WHERE "leaseUntil" IS NOT NULL`;
      }
    }
    // Drain: time passes and attempts meet no fault until nothing is owed.
    for (let round = 0; round < 200; round += 1) {
      await sql.$executeRaw`UPDATE marketplace_reports SET "leaseUntil" = NULL WHERE status = 'pending'`;
      const open = [...(await pending(ids[0]!)), ...(await pending(ids[1]!))];
      if (open.length === 0) break;
      for (const report of open) await attempt(report.id, 'none');
    }
    for (const [index, id] of ids.entries())
      expect({ account: id, received: received(id) }).toEqual({ account: id, received: taken[index] });
    expect(await sql.marketplaceReport.count({ where: { status: { not: 'delivered' } } })).toBe(0);
  }

  it.each(seedsToRun(FIXED_SEED, `report delivery (${api})`))(
    'delivers each accepted report once, with its own key, in order per account (%s seed %d)',
    async (_label, seed) => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(steps(faults), async (sequence) => play((run += 1), sequence)),
        runSettings<[Step[]]>(seed, RUNS),
      );
    },
    timeoutFor(240_000),
  );
});
