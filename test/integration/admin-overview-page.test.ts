/**
 * The overview page (/admin) in a real headless Chromium: after a day of history and live traffic with
 * a failed fetch, a business refusal, a result AppDirect refused and a failing provisioning hook, the page
 * shows the counts, the charts and their table; its "needs action" links open the matching lists; a
 * chart's numbers show when an interval gets keyboard focus; and nothing logs a console error.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PrismaClient } from '../../src/db/client';
import type { ProvisioningHooks } from '../../src/hooks';
import { assignEvent, orderEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { screenshotPath } from '../support/screenshots';
import { eventually } from '../support/workers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'overview-page-token-0123456789abcdef';
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser)
  console.warn(
    `admin overview browser test SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const describeWithBrowser = hasBrowser ? describe : describe.skip;

const HOOK_FAILS_FOR = 'company-whose-product-hook-fails';
const hooks: ProvisioningHooks = {
  async accountCreated(args) {
    if (args.data.company.uuid === HOOK_FAILS_FOR) throw new Error('product API answered 503');
  },
};

/**
 * A day of finished events as the workers leave them (one every 3 minutes, a mix of outcomes), with their
 * result deliveries; those of a one-hour marketplace outage 9 hours ago were delivered 40 minutes late.
 */
async function seedHistory(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`
    WITH history AS (
      SELECT i, now() - make_interval(mins => 3 * i + 2) AS finished_at
      FROM generate_series(1, 450) AS i
    ), inserted AS (
      INSERT INTO events (token, "eventUrl", "marketplaceBaseUrl", status, type, "errorCode", "receivedAt", "finishedAt", "updatedAt")
      SELECT 'history-' || i, 'https://marketplace.example/api/integration/v1/events/history-' || i, 'https://marketplace.example',
             (CASE WHEN i % 23 = 0 THEN 'failed' WHEN i % 7 = 0 THEN 'refused' WHEN i % 11 = 0 THEN 'refused' ELSE 'succeeded' END)::"EventStatus",
             'SUBSCRIPTION_ORDER',
             CASE WHEN i % 23 = 0 THEN 'TRANSPORT_ERROR' WHEN i % 7 = 0 THEN 'MAX_USERS_REACHED' WHEN i % 11 = 0 THEN 'USER_ALREADY_EXISTS' END,
             finished_at - make_interval(secs => 0.3 + (i % 13) * 0.12 + CASE WHEN i BETWEEN 180 AND 200 THEN 4 ELSE 0 END),
             finished_at, finished_at
      FROM history
      RETURNING seq, "finishedAt"
    )
    INSERT INTO result_deliveries ("eventSeq", "resultUrl", body, status, attempts, "createdAt", "deliveredAt", "updatedAt")
    SELECT seq, 'https://marketplace.example/result', '{"success":true}', 'delivered', 1, "finishedAt",
           "finishedAt" + CASE WHEN "finishedAt" BETWEEN now() - interval '10 hours' AND now() - interval '9 hours'
                               THEN interval '40 minutes' ELSE interval '1 second' END,
           "finishedAt"
    FROM inserted`;
}

async function logIn(page: Page, serviceUrl: string): Promise<void> {
  await page.goto(`${serviceUrl}/admin`);
  await page.fill('input[name=token]', TOKEN);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:text("Overview")');
}

describeWithBrowser('admin overview page in Chromium', () => {
  let s: Scenario;
  let browser: Browser;
  const tokens = { transportError: '', refusedResult: '', hookAccount: '' };

  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` }, { hooks });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await seedHistory(s.subject.db.prisma);

    s.marketplace.fetchFaults.push({ status: 503, times: 4 }); // the inline fetch and the 3 attempts
    const failed = await s.send(orderEvent({ seats: 2 }));
    expect(failed.errorCode).toBe('TRANSPORT_ERROR');
    tokens.transportError = failed.token;
    const order = await s.send(orderEvent({ seats: 1 }));
    const refused = await s.send(assignEvent(order.accountIdentifier!, person()));
    expect(refused.errorCode).toBe('MAX_USERS_REACHED');
    s.marketplace.resultFaults.push({ status: 400, times: 1 });
    tokens.refusedResult = (await s.post(orderEvent({ seats: 3 }))).token;
    await eventually(
      async () => (await s.subject.db.prisma.resultDelivery.count({ where: { status: 'failed' } })) === 1,
    );
    const hookOrder = await s.send(orderEvent({ companyUuid: HOOK_FAILS_FOR }));
    tokens.hookAccount = hookOrder.accountIdentifier!;
    await eventually(
      async () => (await s.subject.db.prisma.hookCall.count({ where: { done: false, attempts: { gt: 0 } } })) > 0,
    );
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows counts, needs action, workers, charts and their table, with no console error', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    page.on('pageerror', (error) => problems.push(error.message));
    await logIn(page, s.serviceUrl);

    const needs = page.locator('#needs-action');
    expect(await needs.innerText()).toMatch(/\d+ event\(s\) failed with TRANSPORT_ERROR/);
    expect(await needs.innerText()).toContain('1 result(s) AppDirect has not received');
    expect(await needs.innerText()).toContain("call(s) to the product's provisioning hooks failing");
    expect(await page.locator('#now').innerText()).toMatch(/No event is waiting|Oldest waiting event/);
    expect(await page.locator('#workers').innerText()).toMatch(/test-worker\s+alive/);
    expect(await page.locator('#queues tbody tr').count()).toBe(4);

    for (const id of ['chart-outcomes', 'chart-latency', 'chart-backlog']) {
      expect(await page.locator(`#${id} > svg`).count()).toBe(1);
      expect(await page.locator(`#${id} .bar`).count()).toBe(48);
    }
    // Every outcome is told by a pattern and a label, not colour alone.
    const legend = await page.$$eval('#chart-outcomes .legend', (items) => items.map((item) => item.textContent));
    expect(legend).toEqual(
      expect.arrayContaining(['success', 'refused: MAX_USERS_REACHED', 'refused: USER_ALREADY_EXISTS']),
    );
    expect(await page.locator('#chart-outcomes pattern').count()).toBe(legend.length);

    await page.click('#numbers summary');
    const rows = page.locator('#overview-table tbody tr');
    expect(await rows.count()).toBe(48);
    const totals = await page.$$eval('#chart-outcomes .bar', (bars) =>
      bars.reduce((sum, bar) => sum + Number(bar.getAttribute('data-total')), 0),
    );
    expect(totals).toBeGreaterThanOrEqual(450); // the day of history and today's events

    await page.click('#numbers summary'); // closed again for the screenshot
    await page.screenshot({
      path: screenshotPath('admin-overview.png', { readme: true }),
      fullPage: true,
    });
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows an interval’s numbers when it gets keyboard focus', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, s.serviceUrl);
    const readouts = page.locator('#chart-outcomes .readout');
    expect(await readouts.first().isVisible()).toBe(false);
    // Tab from the last link before the charts into the first interval of the outcome chart.
    await page.focus('#now a.counter >> nth=-1');
    const focusedBar = page.locator('#chart-outcomes .bar:focus');
    for (let i = 0; i < 30 && (await focusedBar.count()) === 0; i += 1) await page.keyboard.press('Tab');
    expect(await focusedBar.count()).toBe(1);
    // On to the first interval with events in it.
    for (let i = 0; i < 47 && Number(await focusedBar.getAttribute('data-total')) === 0; i += 1)
      await page.keyboard.press('Tab');
    const shown = page.locator('#chart-outcomes .bar:focus .readout');
    expect(await shown.isVisible()).toBe(true);
    expect(await shown.textContent()).toMatch(/^\d\d-\d\d \d\d:\d\d–\d\d:\d\d UTC: success \d+/);
  });

  it('links each "needs action" item to the list it counts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, s.serviceUrl);

    await page.click('#needs-action a:text("failed with TRANSPORT_ERROR")');
    await page.waitForSelector('#events');
    expect(new URL(page.url()).search).toBe('?status=failed&errorCode=TRANSPORT_ERROR');
    const listed = await page.$$eval('#events tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-token')));
    expect(listed).toContain(tokens.transportError);
    const codes = await page.$$eval('#events tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    expect(new Set(codes)).toEqual(new Set(['TRANSPORT_ERROR']));

    await page.goBack();
    await page.click('#needs-action a:text("AppDirect has not received")');
    await page.waitForSelector('#deliveries');
    expect(await page.$$eval('#deliveries tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-token')))).toEqual([
      tokens.refusedResult,
    ]);

    await page.goBack();
    await page.click('#needs-action a:text("provisioning hooks failing")');
    await page.waitForSelector('#hooks');
    const hookRows = await page.locator('#hooks tbody tr').allInnerTexts();
    expect(hookRows.length).toBeGreaterThan(0);
    expect(hookRows.every((row) => row.includes('accountCreated') && row.includes('product API answered 503'))).toBe(
      true,
    );

    await page.goto(`${s.serviceUrl}/admin?window=7d`);
    expect(await page.locator('#chart-outcomes .bar').count()).toBe(42);
    expect(await page.locator('.windows a[aria-current]').innerText()).toBe('last 7 days');
  });
});
