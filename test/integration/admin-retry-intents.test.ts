/**
 * Issue #23.7: "run the event again" and "re-send its result" are two intents, each with its own action,
 * answer and audit row, in the API, the page and the CLI. A retry of a TRANSPORT_ERROR event whose failure
 * never reached AppDirect re-sent the failure; the operator who read "failed with TRANSPORT_ERROR" wanted
 * the event run. The old single retry keeps a default that does not surprise: a failed event runs again.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const TOKEN = 'intents-test-token-0123456789abcdefghij';

describe('run again, or re-send the result', () => {
  let s: Scenario;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const api = async (p: string, body?: unknown) => {
    const res = await fetch(`${s.serviceUrl}/admin/api${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const prisma = () => s.subject.db.prisma;
  const row = (token: string) =>
    prisma().event.findUniqueOrThrow({ where: { token }, include: { deliveries: { orderBy: { id: 'asc' } } } });
  const auditOf = async (target: string) =>
    (await prisma().auditLog.findMany({ where: { target }, orderBy: { id: 'asc' } })).map((a) => a.action);
  /** A TRANSPORT_ERROR event whose failure AppDirect refused (400): AppDirect has not received it. */
  const undeliveredFailure = async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    s.marketplace.resultFaults.push({ status: 400, times: 1 });
    const { token } = await s.post(orderEvent({ seats: 2 }));
    await eventually(async () => (await row(token)).deliveries[0]?.status === 'failed');
    expect((await row(token)).status).toBe('failed');
    return token;
  };
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
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

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
  });
  afterAll(() => s.close());

  it('runs a failed event again when asked to retry it, even though its failure was not delivered', async () => {
    const token = await undeliveredFailure();
    expect(await api(`/events/${token}/retry`, {})).toEqual({ status: 202, body: { token, retry: 'rerun' } });
    await eventually(async () => (await row(token)).deliveries.at(-1)?.status === 'delivered');
    expect((await row(token)).status).toBe('succeeded');
    expect(s.marketplace.resultsFor(token).map((r) => r.body.success)).toEqual([true]);
    expect(await auditOf(token)).toEqual(['events.retry.rerun']);
  }, 60_000);

  it('runs it again, or re-sends its result, as asked; each answered and audited as what it did', async () => {
    const rerun = await undeliveredFailure();
    expect(await api(`/events/${rerun}/rerun`, {})).toEqual({ status: 202, body: { token: rerun, action: 'rerun' } });
    await eventually(async () => (await row(rerun)).status === 'succeeded');
    expect(await auditOf(rerun)).toEqual(['events.retry.rerun']);

    const resend = await undeliveredFailure();
    expect(await api(`/events/${resend}/resend-result`, {})).toEqual({
      status: 202,
      body: { token: resend, action: 'resend_result' },
    });
    await eventually(async () => (await row(resend)).deliveries[0]?.status === 'delivered');
    expect(s.marketplace.resultsFor(resend).map((r) => r.body.errorCode)).toEqual(['TRANSPORT_ERROR']);
    expect((await row(resend)).status).toBe('failed'); // not run again
    expect(await auditOf(resend)).toEqual(['events.retry.resend_result']);

    // Each refuses what it cannot do, and says why; nothing changes.
    const done = await s.send(orderEvent());
    expect(await api(`/events/${done.token}/rerun`, {})).toMatchObject({
      status: 409,
      body: { code: 'EVENT_NOT_RERUNNABLE', message: expect.stringContaining('succeeded') },
    });
    expect(await api(`/events/${done.token}/resend-result`, {})).toMatchObject({
      status: 409,
      body: { code: 'RESULT_NOT_RESENDABLE', message: expect.stringContaining('delivered') },
    });
    expect(await api('/events/no-such-event/rerun', {})).toMatchObject({ status: 404 });
    expect(await auditOf(done.token)).toEqual([]);
  }, 60_000);

  it('runs a refused event again only with force once AppDirect has its answer', async () => {
    const { accountIdentifier } = await s.send(orderEvent({ seats: 1 }));
    const refused = await s.send(assignEvent(accountIdentifier!));
    expect(await api(`/events/${refused.token}/rerun`, {})).toMatchObject({
      status: 409,
      body: { code: 'EVENT_RETRY_NEEDS_FORCE' },
    });
    expect(await api(`/events/${refused.token}/rerun`, { force: true })).toEqual({
      status: 202,
      body: { token: refused.token, action: 'rerun', forced: true },
    });
    expect(await auditOf(refused.token)).toEqual(['events.retry.rerun.forced']);
    // It is refused again (still no seat), and AppDirect gets that second answer.
    await eventually(async () => {
      const { deliveries } = await row(refused.token);
      return deliveries.length === 2 && deliveries[1]!.status === 'delivered';
    });
    expect((await row(refused.token)).status).toBe('refused');
  }, 60_000);

  it('retries by filter with one intent, and says how many of each it does', async () => {
    const from = new Date().toISOString();
    const failures = [await undeliveredFailure(), await undeliveredFailure()];
    const filter = { errorCode: 'TRANSPORT_ERROR', status: 'failed', from };
    const resendDry = await api('/events/retry', { ...filter, action: 'resend_result', dryRun: true });
    expect(resendDry).toMatchObject({
      status: 200,
      body: { dryRun: true, action: 'resend_result', matched: 2, rerun: 0, resendResult: 2 },
    });
    const defaultDry = await api('/events/retry', { ...filter, dryRun: true });
    expect(defaultDry.body).toMatchObject({ action: null, matched: 2, rerun: 2, resendResult: 0 });
    const real = await api('/events/retry', { ...filter, action: 'rerun' });
    expect(real).toMatchObject({
      status: 202,
      body: { dryRun: false, action: 'rerun', matched: 2, queued: 2, rerun: 2, resendResult: 0, needsForce: 0 },
    });
    for (const token of failures) await eventually(async () => (await row(token)).status === 'succeeded');
    const audit = await prisma().auditLog.findMany({ where: { action: { startsWith: 'events.bulk_retry' } } });
    expect(audit.map((a) => [a.action, a.count])).toEqual([['events.bulk_retry.rerun', 2]]);
  }, 60_000);

  it('the page offers both, each doing what it says', async () => {
    const token = await undeliveredFailure();
    const login = await fetch(`${s.serviceUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${s.serviceUrl}/admin/events/${token}`, { headers: { cookie } })).text();
    expect(html).toContain('id="rerun"');
    expect(html).toContain('id="resend-result"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (action: string) =>
      fetch(`${s.serviceUrl}/admin/events/${token}/${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }),
      });
    const resent = await post('resend-result');
    expect(resent.status).toBe(303);
    expect(decodeURIComponent(resent.headers.get('location')!)).toContain('Re-sending the stored result');
    await eventually(async () => (await row(token)).deliveries[0]?.status === 'delivered');
    expect((await row(token)).status).toBe('failed');
    // AppDirect has the failure now: running it again asks first.
    const confirm = await post('rerun');
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('id="confirm-retry"');
    expect(await auditOf(token)).toEqual(['events.retry.resend_result']);
  }, 60_000);

  it('the CLI has both: events rerun and events resend-result, one event or by filter', async () => {
    const rerun = await undeliveredFailure();
    const resend = await undeliveredFailure();
    const ran = await cli('events', 'rerun', rerun, '--json');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.out)).toEqual({ token: rerun, action: 'rerun' });
    const sent = await cli('events', 'resend-result', resend, '--json');
    expect(JSON.parse(sent.out)).toEqual({ token: resend, action: 'resend_result' });
    const dry = await cli('events', 'resend-result', '--error-code', 'TRANSPORT_ERROR', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/\d+ event\(s\) would have their result re-sent/);
    await eventually(async () => (await row(rerun)).status === 'succeeded');
    await eventually(async () => (await row(resend)).deliveries[0]?.status === 'delivered');
  }, 60_000);
});
