/**
 * Issue #27: what operators see of the product's usage reports and do about them — the overview's "needs
 * action", the metric the alert reads, the admin API's list / show / re-send / cancel (each audited), the admin
 * page's list with its Re-send and Cancel, and the CLI's `usage report` and `usage list`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const ADMIN = 'usage-ops-admin-token-0123456789abcdef';
const PRODUCT = 'usage-ops-product-token-0123456789';
const ROOT = path.resolve(__dirname, '..', '..');

const report = (quantity: string) => ({
  items: [{ unit: 'GIGABYTE', quantity, price: '0.10' }],
  currency: 'EUR',
  date: '2026-12-01T00:00:00Z',
});

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/admin-cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('usage reports for operators', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${ADMIN}`, PRODUCT_API_TOKENS: PRODUCT, RESULT_BACKOFF_MS: '20' });
  });
  afterAll(() => s.close());

  const admin = async (method: string, apiPath: string, body?: unknown) => {
    const response = await fetch(`${s.serviceUrl}/admin/api${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const reportUsage = async (account: string, key: string, quantity: string) => {
    const response = await fetch(`${s.serviceUrl}/product/api/accounts/${account}/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PRODUCT}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(report(quantity)),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { reportId: string }).reportId;
  };
  const statusOf = async (id: string) =>
    (await s.subject.db.prisma.marketplaceReport.findUniqueOrThrow({ where: { id: BigInt(id) } })).status;
  const audits = (action: string, id: string) =>
    s.subject.db.prisma.auditLog.findMany({ where: { action, target: `report#${id}` } });

  it('counts a report refused for good on the overview and in the metric, lists and shows it, and re-sends it (audited)', async () => {
    const account = (await s.send(orderEvent())).accountIdentifier!;
    s.marketplace.usageFaults.push({ status: 400, times: 1, accountIdentifier: account });
    const id = await reportUsage(account, 'ops-refused', '3.5');
    await eventually(async () => (await statusOf(id)) === 'failed');

    const overview = await admin('GET', '/overview');
    expect((overview.body.needsAction as Record<string, unknown>).undeliveredReports).toMatchObject({ failed: 1 });
    const metrics = await (await fetch(`${s.serviceUrl}/metrics`)).text();
    expect(metrics).toMatch(/^appdirect_reports_undelivered\{kind="usage",status="failed"[^}]*\} 1$/m);

    const listed = await admin('GET', '/reports?state=failed&kind=usage');
    expect((listed.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([id]);
    const shown = await admin('GET', `/reports/${id}`);
    expect(shown.body).toMatchObject({
      id,
      status: 'failed',
      idempotencyKey: 'ops-refused',
      report: report('3.5'),
      attemptHistory: [{ attempt: 1, target: 'billing_v1', httpStatus: 400 }],
    });

    expect(await admin('POST', `/reports/${id}/resend`, {})).toEqual({ status: 202, body: { id, resent: true } });
    await eventually(async () => (await statusOf(id)) === 'delivered');
    expect(s.marketplace.usageOf(account)).toHaveLength(1);
    expect(await audits('reports.resend', id)).toHaveLength(1);
    // Delivered: sending it again would bill twice.
    const again = await admin('POST', `/reports/${id}/resend`, {});
    expect([again.status, again.body.code]).toEqual([409, 'REPORT_NOT_RESENDABLE']);
    const cancelled = await admin('POST', `/reports/${id}/cancel`, {});
    expect([cancelled.status, cancelled.body.code]).toEqual([409, 'REPORT_NOT_CANCELLABLE']);
    expect((await admin('GET', '/reports/999999999')).status).toBe(404);
    expect((await admin('GET', '/overview')).body.needsAction).toMatchObject({ undeliveredReports: { failed: 0 } });
  });

  it("cancels a report the marketplace keeps refusing: it is never billed, and the account's next report goes on", async () => {
    const account = (await s.send(orderEvent())).accountIdentifier!;
    s.marketplace.usageFaults.push({ status: 503, times: 1000, accountIdentifier: account });
    const stuck = await reportUsage(account, 'ops-stuck', '1');
    const next = await reportUsage(account, 'ops-next', '2');
    await eventually(
      async () =>
        (await s.subject.db.prisma.marketplaceReport.findUniqueOrThrow({ where: { id: BigInt(stuck) } })).attempts > 1,
    );
    expect(await statusOf(next)).toBe('pending');
    expect(await admin('POST', `/reports/${stuck}/cancel`, {})).toEqual({
      status: 202,
      body: { id: stuck, cancelled: true },
    });
    s.marketplace.usageFaults = [];
    await eventually(async () => (await statusOf(next)) === 'delivered');
    expect(await statusOf(stuck)).toBe('cancelled');
    expect(
      s.marketplace.usageOf(account).map((u) => (u.body.items as Array<{ quantity: number }>)[0]!.quantity),
    ).toEqual([2]);
    expect(await audits('reports.cancel', stuck)).toHaveLength(1);
  });

  it('reports usage with the CLI (the same key twice: one report) and lists it', async () => {
    const account = (await s.send(orderEvent())).accountIdentifier!;
    const dir = mkdtempSync(path.join(tmpdir(), 'adp-usage-cli-'));
    try {
      const file = path.join(dir, 'report.json');
      writeFileSync(file, JSON.stringify(report('42.125')));
      const env = { ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${ADMIN}`, PRODUCT_API_TOKENS: PRODUCT };
      const first = await cli(env, 'usage', 'report', account, '--key', 'cli-1', '--file', file, '--json');
      expect(first.code).toBe(0);
      const again = await cli(env, 'usage', 'report', account, '--key', 'cli-1', '--file', file, '--json');
      expect(JSON.parse(again.out)).toEqual(JSON.parse(first.out));
      const { reportId } = JSON.parse(first.out) as { reportId: string };
      await eventually(async () => (await statusOf(reportId)) === 'delivered');
      expect(s.marketplace.usageOf(account)[0]!.text).toContain('"quantity":42.125');

      const listed = await cli(env, 'usage', 'list', '--state', 'delivered', '--account', account, '--json');
      expect(listed.code).toBe(0);
      expect((JSON.parse(listed.out) as { items: Array<{ id: string }> }).items.map((i) => i.id)).toEqual([reportId]);
      const text = await cli(env, 'usage', 'list', '--state', 'delivered', '--account', account);
      expect(text.out).toContain('cli-1');
      const keyless = await cli(env, 'usage', 'report', account, '--file', file);
      expect(keyless.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;

describeWithBrowser('usage reports on the admin page (Chromium)', () => {
  let s: Scenario;
  let browser: Browser;
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${ADMIN}`, PRODUCT_API_TOKENS: PRODUCT, RESULT_BACKOFF_MS: '20' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s.close();
  });

  const refusedReport = async (account: string, key: string) => {
    s.marketplace.usageFaults.push({ status: 400, times: 1, accountIdentifier: account });
    const response = await fetch(`${s.serviceUrl}/product/api/accounts/${account}/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PRODUCT}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(report('1')),
    });
    const { reportId } = (await response.json()) as { reportId: string };
    await eventually(
      async () =>
        (await s.subject.db.prisma.marketplaceReport.findUniqueOrThrow({ where: { id: BigInt(reportId) } })).status ===
        'failed',
    );
    return reportId;
  };
  const statusOf = async (id: string) =>
    (await s.subject.db.prisma.marketplaceReport.findUniqueOrThrow({ where: { id: BigInt(id) } })).status;

  it('links a failed report from "Needs action", and re-sends and cancels reports from their list (audited)', async () => {
    const account = (await s.send(orderEvent())).accountIdentifier!;
    const first = await refusedReport(account, 'page-1');
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${s.serviceUrl}/admin`);
    await page.fill('input[name=token]', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Overview")');
    await Promise.all([
      page.waitForURL(/\/admin\/reports\?state=failed$/),
      page.click('#needs-action a[href="/admin/reports?state=failed"]'),
    ]);
    expect(await page.locator(`#reports tr[data-report="${first}"]`).innerText()).toContain('page-1');
    await Promise.all([page.waitForURL(/done=/), page.click(`#resend-${first}`)]);
    expect(await page.locator('.notice').innerText()).toContain(`Report ${first} is being sent again`);
    await eventually(async () => (await statusOf(first)) === 'delivered');

    const second = await refusedReport(account, 'page-2');
    await page.goto(`${s.serviceUrl}/admin/reports?state=failed`);
    await Promise.all([page.waitForURL(/done=/), page.click(`#cancel-${second}`)]);
    expect(await page.locator('.notice').innerText()).toContain(`Report ${second} is cancelled`);
    expect(await statusOf(second)).toBe('cancelled');
    const audit = await s.subject.db.prisma.auditLog.findMany({
      where: { action: { in: ['reports.resend', 'reports.cancel'] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((row) => [row.actor, row.action, row.target])).toEqual([
      ['ops', 'reports.resend', `report#${first}`],
      ['ops', 'reports.cancel', `report#${second}`],
    ]);
    await page.close();
  }, 60_000);
});
