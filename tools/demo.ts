/**
 * `npm run demo`: a realistic day of AppDirect traffic against the service,
 * printed event by event with the outcome AppDirect receives.
 *
 * Starts a fake marketplace and the example product (examples/product) on loopback and, unless
 * DEMO_SERVICE_URL is given, the service itself (`npm start` with DATA_DIR=.data/demo) with the settings
 * of tools/demo/settings.ts. The demo prints those settings as a command: start your own service with them,
 * then `DEMO_SERVICE_URL=http://127.0.0.1:3000 npm run demo` plays the same day against it (README, "Tests,
 * demo and benchmarks").
 *
 * The product decides every new account (its own tenant ids, a refusal for a domain it already serves, the
 * ENTERPRISE edition completed asynchronously through the product API) and is notified of the rest; at the
 * end its tenants are printed beside the service's accounts, then where the admin page is and how to log in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { stopChild } from '../src/runtime/child';
import { findFreePort } from '../src/runtime/ports';
import { startExampleProduct, type ExampleProduct } from '../examples/product/app';
import { AFTER_MIGRATION, DAY, LEGACY_CUSTOMERS, MIGRATION, QUESTIONS } from './demo/day';
import { askMigration, askRestrictions, domainCall } from './fake-marketplace/connector';
import {
  BASIC,
  CLIENT,
  DEMO_PORTS,
  PRODUCT_API_TOKEN,
  PRODUCT_SECRET,
  serviceSettings,
  settingsCommand,
} from './demo/settings';
import { serviceAccount, tenantDifferences, tenantLine } from './demo/tenants';
import { FakeMarketplace } from './fake-marketplace/server';
import { notify, type NotifyAuth } from './fake-marketplace/notify';

const isTty = process.stdout.isTTY;
const ownServiceUrl = process.env.DEMO_SERVICE_URL;
const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = process.env.DATA_DIR ?? path.join(ROOT, '.data', 'demo');
const shownDataDir = path.relative(ROOT, DATA_DIR) || DATA_DIR;

function progress(text: string): void {
  if (isTty) process.stdout.write(`\r\x1b[2K${text}`);
}

async function waitForStatus(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/status`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    progress('waiting for the service to start…');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url}/status did not answer 200 within ${timeoutMs} ms`);
}

/**
 * Starts one of the demo's servers on its fixed port. Against your own service that port is in its
 * settings, so a busy one is an error; a service the demo starts itself is told whatever port was free.
 */
async function onDemoPort<T>(what: string, variable: string, port: number, start: (port?: number) => Promise<T>) {
  try {
    return await start(port);
  } catch (error) {
    if (ownServiceUrl)
      throw new Error(
        `the ${what} cannot listen on port ${port} (${(error as Error).message}): free it, or set ${variable} and start your service with the settings printed for it`,
        { cause: error },
      );
    return start(undefined);
  }
}

async function startService(
  settings: Record<string, string>,
  adminToken: string,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await findFreePort();
  const child = spawn(
    process.execPath,
    ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', 'bin/start.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR, LOG_LEVEL: 'warn', ...settings, ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Plays the day: each event notified as AppDirect does, its outcome printed as AppDirect receives it. */
async function playTheDay(
  serviceUrl: string,
  marketplace: FakeMarketplace,
  ids: Record<string, string>,
): Promise<Map<string, number>> {
  const auth: NotifyAuth = { type: 'basic', ...BASIC };
  const tally = new Map<string, number>();

  // AppDirect's periodic liveness probe; it also shows at once whether the service trusts the demo.
  const probe = await notify(serviceUrl, marketplace.eventUrl('dummyOrder'), auth);
  if (probe.status !== 200)
    throw new Error(
      `the service answered the liveness probe ${probe.status} ${JSON.stringify(probe.body)}: start it with the settings printed above`,
    );
  console.log(`${'probe dummyOrder'.padEnd(44)} HTTP ${probe.status}  ${JSON.stringify(probe.body)}`);

  for (const [index, step] of DAY.entries()) {
    const document = typeof step.document === 'function' ? step.document(ids) : step.document;
    const { token, eventUrl } = marketplace.addEvent(document);
    if (step.remember)
      ids[`${step.remember}Company`] = (document.payload as { company: { uuid: string } }).company.uuid;
    const answer = await notify(serviceUrl, eventUrl, auth);
    let result = answer.body;
    let how = 'sync 200';
    if (answer.status === 202) {
      how = 'async 202';
      const started = Date.now();
      while (marketplace.resultsFor(token).length === 0) {
        progress(
          `[${index + 1}/${DAY.length}] ${step.label}: waiting for the result POST (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        if (Date.now() - started > 60_000) throw new Error(`no result for ${step.label} after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      result = marketplace.resultsFor(token)[0]!.body;
    } else if (answer.status !== 200) {
      throw new Error(`${step.label}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    if (step.remember && typeof result.accountIdentifier === 'string') ids[step.remember] = result.accountIdentifier;
    const code = result.success ? 'SUCCESS' : String(result.errorCode);
    tally.set(code, (tally.get(code) ?? 0) + 1);
    progress('');
    const detail = result.accountIdentifier ? ` ${result.accountIdentifier}` : '';
    console.log(
      `${`${String(index + 1).padStart(2)}. ${step.label}`.padEnd(44)} ${how.padEnd(9)} ${code}${detail}  ${result.message ?? ''}`,
    );
  }
  return tally;
}

/** AppDirect's restrictions questions (POST /api/v2/restrictions), each printed with the restrictions answered. */
async function askTheQuestions(serviceUrl: string, ids: Record<string, string>): Promise<void> {
  console.log('\nRestrictions AppDirect asks before selling (POST /api/v2/restrictions):');
  for (const question of QUESTIONS) {
    const answer = await askRestrictions(serviceUrl, question.info(ids), { type: 'basic', ...BASIC });
    if (answer.status !== 200)
      throw new Error(`${question.label}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    const found = (answer.body.restrictions ?? []) as Array<{ details: { code: string; message: string } }>;
    const said =
      found.length === 0 ? 'allowed' : found.map((r) => `${r.details.code}  ${r.details.message}`).join('; ');
    console.log(`    ${question.label.padEnd(40)} ${said}`);
  }
}

/** AppDirect's migration of a customer the example product already serves, then an event on it. */
async function migrateACustomer(serviceUrl: string, marketplace: FakeMarketplace): Promise<void> {
  const auth: NotifyAuth = { type: 'basic', ...BASIC };
  console.log('\nMigration of customers the product already serves (POST /api/v2/migration/…):');
  for (const { label, step, body } of MIGRATION) {
    const answer = await askMigration(serviceUrl, step, body, auth);
    if (answer.status !== 200) throw new Error(`${label}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    const { success, errorCode, message, accountIdentifier } = answer.body as Record<string, string | boolean>;
    const code = success ? 'SUCCESS' : String(errorCode);
    console.log(
      `    ${label.padEnd(40)} ${code}${accountIdentifier ? ` ${String(accountIdentifier)}` : ''}  ${String(message ?? '')}`,
    );
  }
  const { token, eventUrl } = marketplace.addEvent(AFTER_MIGRATION({}));
  if ((await notify(serviceUrl, eventUrl, auth)).status !== 202) throw new Error('the assignment was not accepted');
  for (let waited = 0; marketplace.resultsFor(token).length === 0; waited += 50) {
    if (waited > 30_000) throw new Error('no result for the assignment on the migrated subscription');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const result = marketplace.resultsFor(token)[0]!.body;
  console.log(
    `    ${'assign Richard to sub-hooli-1'.padEnd(40)} ${result.success ? 'SUCCESS' : String(result.errorCode)}  ${String(result.message ?? '')}`,
  );
}

/** A domain association call: the example product manages no domains, so the documented 501. */
async function askAboutADomain(serviceUrl: string): Promise<void> {
  const auth: NotifyAuth = { type: 'basic', ...BASIC };
  const answer = await domainCall(
    serviceUrl,
    'GET',
    'sub-hooli-1',
    '/hooli.example/dns',
    { type: 'ownershipProof' },
    auth,
  );
  console.log(
    `\nDomains (GET /api/v2/domainassociation/…/dns): HTTP ${answer.status} ${String(answer.body.code ?? '')} (the example product manages no domains; docs/hooks.md, "Questions")`,
  );
}

/** The product's tenants beside the service's accounts; notify calls go out after each result, so wait for the last. */
async function showTenants(product: ExampleProduct, serviceUrl: string): Promise<void> {
  for (let seen = -1, waited = 0; seen !== product.calls.length && waited < 10_000; waited += 1000) {
    seen = product.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (product.calls.length === 0) {
    console.log('\nThe example product received no call: start the service with the PRODUCT_* settings printed above.');
    return;
  }
  console.log('\nTenants in the example product (examples/product), as it heard of them over signed webhooks:');
  const differences: string[] = [];
  for (const tenant of product.tenants.values()) {
    console.log(tenantLine(tenant));
    differences.push(...tenantDifferences(tenant, await serviceAccount(serviceUrl, PRODUCT_API_TOKEN, tenant.id)));
  }
  console.log(
    differences.length === 0
      ? "They match the service's accounts (GET /product/api/accounts/<id>)."
      : `They differ from the service's accounts:\n${differences.map((line) => `  ${line}`).join('\n')}`,
  );
}

/**
 * The usage the example product reported on the upcoming invoice, as the fake marketplace's billing API received
 * it (delivered by the reports queue after the product's call: waited for up to 15 s).
 */
async function showUsage(product: ExampleProduct, marketplace: FakeMarketplace): Promise<void> {
  for (let waited = 0; marketplace.usage.length === 0 && waited < 15_000; waited += 250)
    await new Promise((resolve) => setTimeout(resolve, 250));
  console.log('\nUsage the example product reported on the upcoming invoice (POST /product/api/accounts/<id>/usage):');
  for (const reported of product.usageReported)
    console.log(`    ${reported.accountIdentifier.padEnd(24)} key ${reported.idempotencyKey}  HTTP ${reported.status}`);
  console.log(
    'and what AppDirect billed (POST /api/integration/v1/billing/usage, as the fake marketplace received it):',
  );
  if (marketplace.usage.length === 0) console.log('    nothing yet (see the admin page: usage list)');
  for (const billed of marketplace.usage) console.log(`    ${billed.text}`);
}

/** Where your own service's admin page is, or that it is off (it answers 403 ADMIN_DISABLED without ADMIN_TOKEN). */
async function ownAdminPage(serviceUrl: string): Promise<string> {
  const answer = await fetch(`${serviceUrl}/admin/api/overview`, { headers: { accept: 'application/json' } })
    .then(async (response) => (await response.json()) as { code?: string })
    .catch(() => ({ code: undefined }));
  return answer.code === 'ADMIN_DISABLED'
    ? `The admin page of your service (${serviceUrl}/admin) is off: start it with ADMIN_TOKEN set (README, "Configuration") to look at the day there.`
    : `Admin page: ${serviceUrl}/admin (log in with one of your service's ADMIN_TOKEN tokens).`;
}

async function main(): Promise<void> {
  const marketplace = await onDemoPort('fake marketplace', 'DEMO_MARKETPLACE_PORT', DEMO_PORTS.marketplace, (port) =>
    new FakeMarketplace({ client: CLIENT }).start(port),
  );
  const product = await onDemoPort('example product', 'DEMO_PRODUCT_PORT', DEMO_PORTS.product, (port) =>
    startExampleProduct({
      secret: PRODUCT_SECRET,
      asyncEditions: ['ENTERPRISE'],
      completeAfterMs: 1500,
      legacyCustomers: LEGACY_CUSTOMERS,
      port,
    }),
  );
  const settings = serviceSettings(marketplace.origin, product.url);
  const adminToken = randomBytes(24).toString('hex');
  let child: ChildProcess | null = null;
  let serviceUrl: string;
  if (ownServiceUrl) {
    console.log(`Playing the demo against ${ownServiceUrl}, started with these settings:`);
    serviceUrl = ownServiceUrl;
  } else {
    console.log(`Starting the service (DATA_DIR=${shownDataDir}) with the demo's settings:`);
    ({ child, url: serviceUrl } = await startService(settings, adminToken));
  }
  product.productApi = { url: serviceUrl, token: PRODUCT_API_TOKEN };
  console.log(
    [
      settingsCommand(settings),
      '',
      `To play the demo against your own service: start it as above (ports ${DEMO_PORTS.marketplace} and ${DEMO_PORTS.product}`,
      'are the fake marketplace and the example product the demo starts), then',
      '  DEMO_SERVICE_URL=http://127.0.0.1:3000 npm run demo',
      '',
      `Service: ${serviceUrl}   Fake marketplace: ${marketplace.origin}   Example product: ${product.url}`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    if (child) await stopChild(child, 12_000);
    await marketplace.stop();
    await product.close();
  };
  try {
    await waitForStatus(serviceUrl, 90_000);
    const ids: Record<string, string> = {};
    const tally = await playTheDay(serviceUrl, marketplace, ids);
    console.log(
      `\n${DAY.length} events: ${[...tally.entries()].map(([code, count]) => `${count} ${code}`).join(', ')}`,
    );
    await askTheQuestions(serviceUrl, ids);
    await migrateACustomer(serviceUrl, marketplace);
    await askAboutADomain(serviceUrl);
    await showTenants(product, serviceUrl);
    await showUsage(product, marketplace);
    if (!child) {
      console.log(`\n${await ownAdminPage(serviceUrl)}`);
      return;
    }
    if (isTty && process.stdin.isTTY) {
      console.log(
        [
          '',
          `Admin page: ${serviceUrl}/admin`,
          `  log in with the token ${adminToken}`,
          `The service keeps running for you to look around; Ctrl-C stops it (its data stays in ${shownDataDir}:`,
          `npm run data:remove -- ${shownDataDir} deletes it).`,
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      progress('');
    } else {
      console.log(
        [
          '',
          `The demo's data stays in ${shownDataDir}. To see it on the admin page, start the service on it:`,
          `  DATA_DIR=${shownDataDir} ADMIN_TOKEN=${adminToken} npm start`,
          'then open http://127.0.0.1:3000/admin and log in with that token',
          `(npm run data:remove -- ${shownDataDir} deletes the data).`,
        ].join('\n'),
      );
    }
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
