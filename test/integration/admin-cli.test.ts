import { spawn } from 'node:child_process';
import path from 'node:path';
import { orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'cli-test-token-0123456789abcdef01234567';

/** `npm run admin -- …` as an operator runs it (against the test service's URL). */
function admin(s: Scenario, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/admin-cli.ts', ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${TOKEN}` },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('npm run admin', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
  });
  afterAll(() => s.close());

  it('lists, shows, retries (one and by filter) and looks up accounts', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 8 });
    const failedA = await s.send(orderEvent({ seats: 3 }));
    const failedB = await s.send(orderEvent({ seats: 3 }));
    expect([failedA.errorCode, failedB.errorCode]).toEqual(['TRANSPORT_ERROR', 'TRANSPORT_ERROR']);

    const list = await admin(s, 'events', 'list', '--status', 'failed');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/status\s+type\s+errorCode/);
    expect(list.out).toContain(failedA.token);
    expect(list.out).toContain('TRANSPORT_ERROR');

    const show = await admin(s, 'events', 'show', failedA.token);
    expect(show.out).toMatch(/status\s+failed/);
    expect(show.out).toContain('answered 503');

    const dry = await admin(s, 'events', 'retry', '--error-code', 'TRANSPORT_ERROR', '--dry-run');
    expect(dry.out).toContain('2 event(s) would be retried');

    // AppDirect already received TRANSPORT_ERROR for both: a rerun sends a second result, so it must be confirmed.
    const refused = await admin(s, 'events', 'retry', failedA.token);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('EVENT_RETRY_NEEDS_FORCE');
    const unconfirmed = await admin(s, 'events', 'retry', failedA.token, '--force');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toContain('pass --yes to confirm');
    const one = await admin(s, 'events', 'retry', failedA.token, '--force', '--yes');
    expect(one.out).toContain(`running ${failedA.token} again`);
    await eventually(
      async () =>
        (await s.subject.db.prisma.event.findUnique({ where: { token: failedA.token } }))?.status === 'succeeded',
    );

    const skipped = await admin(s, 'events', 'retry', '--error-code', 'TRANSPORT_ERROR');
    expect(skipped.out).toContain('retrying 0 event(s)');
    expect(skipped.out).toContain('skipped 1 event(s) whose answer AppDirect already received');
    const bulk = await admin(s, 'events', 'retry', '--error-code', 'TRANSPORT_ERROR', '--force', '--yes');
    expect(bulk.out).toContain('retrying 1 event(s)');
    expect(bulk.out).toContain('all 1 retried event(s) finished');

    const account = (await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token: failedB.token } })).accountId!;
    const shown = await admin(s, 'accounts', 'show', account);
    expect(shown.out).toMatch(/maxUsers\s+3/);
    expect(shown.out).toContain('owner');

    const audit = await s.subject.db.prisma.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual([
      'events.retry.rerun.forced',
      'events.bulk_retry',
      'events.bulk_retry.forced',
    ]);
    expect(audit.map((a) => a.count)).toEqual([1, 0, 1]);
  }, 60_000);

  it('explains errors from the API and a wrong token', async () => {
    const missing = await admin(s, 'events', 'show', 'no-such-token');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("EVENT_NOT_FOUND: There is no event with token 'no-such-token'.");
    const wrong = await admin(s, 'events', 'list', '--token', 'wrong-token-wrong-token');
    expect(wrong.err).toContain('ADMIN_TOKEN_INVALID');
  });
});
