/**
 * The admin page end to end in a real headless Chromium (Debian's `chromium`,
 * driven by playwright-core): log in, find the failed event, retry it, see it succeed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { assignEvent, orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { screenshotPath } from '../support/screenshots';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'page-test-token-0123456789abcdef0123456';
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser)
  console.warn(
    `admin page browser test SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const describeWithBrowser = hasBrowser ? describe : describe.skip;

describeWithBrowser('admin page in Chromium', () => {
  let s: Scenario;
  let browser: Browser;
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
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
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s.close();
  });

  const loggedIn = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${s.serviceUrl}/admin`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Overview")');
    return page;
  };

  it('shows no notice that a link made up (the notice after an action is signed for the session)', async () => {
    const event = await s.send(orderEvent({ seats: 1 }));
    const page = await loggedIn();
    const madeUp = encodeURIComponent('Your session expired: log in again at https://evil.example');
    await page.goto(`${s.serviceUrl}/admin/events/${event.token}?done=${madeUp}&mac=AAAA`);
    await page.waitForSelector('#status');
    expect(await page.locator('.notice').count()).toBe(0);
    expect(await page.content()).not.toContain('evil.example');
    await page.close();
  });

  it('logs in, finds a failed event, retries it and sees it succeed', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    const failed = await s.send(orderEvent({ seats: 5 }));
    expect(failed.errorCode).toBe('TRANSPORT_ERROR');
    await s.send(orderEvent({ seats: 2 })); // a succeeded event listed after the failed one

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${s.serviceUrl}/admin`);
    await page.fill('input[name=token]', 'wrong-token-wrong-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That token is not valid.');
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Overview")'); // /admin lands on the overview
    await page.click('header a[href="/admin/events"]');

    const firstRow = page.locator('#events tbody tr').first();
    await firstRow.waitFor();
    expect(await firstRow.getAttribute('data-token')).toBe(failed.token); // failed first
    expect(await firstRow.locator('.status').innerText()).toBe('failed');
    await firstRow.locator(`a[href="/admin/events/${failed.token}"]`).click();
    await page.waitForSelector('#status .status.failed');

    await page.click('#rerun');
    // AppDirect already received TRANSPORT_ERROR: the page asks before sending a second result.
    await page.waitForSelector('#confirm-retry');
    expect(await s.subject.db.prisma.auditLog.count()).toBe(0);
    await page.click('#confirm-retry');
    await page.waitForSelector('.notice');
    expect(await page.locator('.notice').innerText()).toContain('Running the event again');
    for (let i = 0; i < 100 && !(await page.locator('#status .status.succeeded').count()); i += 1) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    expect(await page.locator('#status').innerText()).toBe('succeeded');

    await page.screenshot({
      path: screenshotPath('admin-event.png', { readme: true }),
      fullPage: true,
    });

    const accountLink = page.locator('dl a[href^="/admin/accounts/"]');
    await accountLink.click();
    expect(await page.locator('#seats').innerText()).toBe('1 used / 5');
    const audit = await s.subject.db.prisma.auditLog.findMany();
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'ops', action: 'events.retry.rerun.forced', target: failed.token }),
    ]);
  }, 60_000);

  it('works without JavaScript: logs in back to the page asked for, filters, logs out', async () => {
    const { token } = await s.send(orderEvent());
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${s.serviceUrl}/admin/events?status=succeeded`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#events');
    expect(new URL(page.url()).search).toBe('?status=succeeded');
    expect(await page.locator('select[name=status]').inputValue()).toBe('succeeded');
    expect(await page.locator(`#events tr[data-token="${token}"]`).count()).toBe(1);

    await page.fill('input[name=type]', 'SUBSCRIPTION_CANCEL');
    await page.click('button:text("Filter")');
    await page.waitForSelector('text=No events match.');
    await page.click('header a[href="/admin/events"]');
    await page.locator(`#events tr[data-token="${token}"] a[href="/admin/events/${token}"]`).click();
    await page.waitForSelector('#status .status.succeeded');

    await page.click('button:text("Log out")');
    await page.waitForSelector('input[name=token]');
    await page.goto(`${s.serviceUrl}/admin/events/${token}`);
    expect(await page.locator('input[name=returnTo]').inputValue()).toBe(`/admin/events/${token}`);
    await context.close();
  }, 60_000);

  it('refuses a rerun form posted without the CSRF token', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.serviceUrl}/admin`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.goto(`${s.serviceUrl}/admin/events`);
    await page.locator('#events').waitFor();
    const { token } = await s.send(orderEvent());
    const status = await page.evaluate(
      async (t) =>
        (
          await fetch(`/admin/events/${t}/rerun`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: '_csrf=forged',
          })
        ).status,
      token,
    );
    expect(status).toBe(403);
  });

  it('says what is true of an event: an unknown account as text, why its type is unknown', async () => {
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    const unfetched = await s.send(orderEvent());
    expect(unfetched.errorCode).toBe('TRANSPORT_ERROR');
    const orphan = await s.send(assignEvent('acct-nobody-knows'));
    expect(orphan.errorCode).toBe('ACCOUNT_NOT_FOUND');
    const known = await s.send(orderEvent({ seats: 2 }));

    const page = await loggedIn();
    await page.goto(`${s.serviceUrl}/admin/events/${unfetched.token}`);
    const type = await page.locator('#type').innerText();
    expect(type).not.toContain('not fetched yet');
    expect(type).toContain('could not be fetched');

    await page.goto(`${s.serviceUrl}/admin/events/${orphan.token}`);
    expect(await page.locator('#account').innerText()).toContain('acct-nobody-knows');
    expect(await page.locator('#account a').count()).toBe(0);
    expect(await page.locator('#account').innerText()).toContain('not in the account store');

    await page.goto(`${s.serviceUrl}/admin/events`);
    const orphanRow = page.locator(`#events tr[data-token="${orphan.token}"]`);
    expect(await orphanRow.locator('td', { hasText: 'acct-nobody-knows' }).count()).toBe(1);
    expect(await orphanRow.locator('a[href^="/admin/accounts/"]').count()).toBe(0);
    const knownRow = page.locator(`#events tr[data-token="${known.token}"]`);
    await knownRow.locator(`a[href="/admin/accounts/${known.accountIdentifier}"]`).click();
    await page.waitForSelector('#seats');
  }, 60_000);

  it('serves bull-board with nothing from the internet and a link back to the admin page', async () => {
    const page = await loggedIn();
    const external: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol.startsWith('http') && url.origin !== new URL(s.serviceUrl).origin) external.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${s.serviceUrl}/admin/queues/`);
    await page.getByText('events', { exact: true }).first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    const back = page.locator('a[href="/admin"]').first();
    await back.waitFor();
    await page.screenshot({ path: screenshotPath('admin-queues.png') });
    await back.click();
    await page.waitForSelector('h1:text("Overview")');
  }, 60_000);
});
