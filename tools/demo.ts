/**
 * `npm run demo`: a realistic day of AppDirect traffic against the service,
 * printed event by event with the outcome AppDirect receives.
 *
 * Starts a fake marketplace on loopback and, unless DEMO_SERVICE_URL is given,
 * the service itself (`npm start` with DATA_DIR=.data/demo), configured to trust
 * that marketplace. To drive your own running `npm start` instead, start the demo
 * once to see the settings it prints, start the service with them, then run
 * DEMO_SERVICE_URL=http://127.0.0.1:3000 npm run demo.
 *
 * The service it starts is connected to the example product (examples/product) over signed webhooks: the
 * product decides every new account (its own tenant ids, a refusal for a domain it already serves, the
 * ENTERPRISE edition completed asynchronously) and is notified of the rest; its tenants are printed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { stopChild } from '../src/runtime/child';
import { findFreePort } from '../src/runtime/ports';
import { startExampleProduct, type ExampleProduct } from '../examples/product/app';
import { FakeMarketplace } from './fake-marketplace/server';
import { notify, type NotifyAuth } from './fake-marketplace/notify';

const BASIC = { username: 'demo-appdirect', password: 'demo-password' };
const CLIENT = { id: 'demo-vendor-client', secret: 'demo-vendor-secret' };
const MARKETPLACE_PORT = Number(process.env.DEMO_MARKETPLACE_PORT ?? 8765);
const PRODUCT_SECRET = `whsec_${Buffer.from('demo-product-webhook-secret-32-bytes').toString('base64')}`;
const PRODUCT_API_TOKEN = 'demo-product-api-token';
const isTty = process.stdout.isTTY;

interface Step {
  readonly label: string;
  readonly document: Record<string, unknown> | ((ids: Record<string, string>) => Record<string, unknown>);
  /** Stores the accountIdentifier of the answer under this name. */
  readonly remember?: string;
}

// Fresh ids every run, so a second demo on the same DATA_DIR tells the same story.
const uuid = () => randomUUID();
const user = (first: string, company: string) => ({
  uuid: uuid(),
  email: `${first.toLowerCase()}@${company}.example`,
  firstName: first,
  lastName: 'Example',
});
const order = (
  company: string,
  seats: number | null,
  creator: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  type: 'SUBSCRIPTION_ORDER',
  applicationUuid: 'demo-application',
  creator,
  payload: {
    company: { uuid: uuid(), name: company, country: 'US' },
    order: {
      editionCode: 'PRO',
      pricingDuration: 'MONTHLY',
      items: seats === null ? [] : [{ unit: 'USER', quantity: seats }],
    },
  },
  ...extra,
});
const on =
  (type: string, account: string, payload: Record<string, unknown> = {}) =>
  (ids: Record<string, string>) => ({
    type,
    creator: user('Admin', 'acme'),
    payload: { account: { accountIdentifier: ids[account] ?? account, status: 'ACTIVE' }, ...payload },
  });

const acmeOwner = user('Dana', 'acme');
const globexOwner = user('Hank', 'globex');
const pat = user('Pat', 'acme');
const sam = user('Sam', 'acme');
const lee = user('Lee', 'acme');

const DAY: Step[] = [
  { label: 'ping test (flag STATELESS)', document: order('Ping Co', 1, user('Ping', 'ping'), { flag: 'STATELESS' }) },
  { label: 'Acme buys 3 seats', document: order('Acme Corp', 3, acmeOwner), remember: 'acme' },
  { label: 'Globex buys (no seat limit)', document: order('Globex', null, globexOwner), remember: 'globex' },
  { label: 'Initech buys, owner at acme.example', document: order('Initech', 5, user('Milton', 'acme')) },
  {
    label: 'Umbrella buys ENTERPRISE (async)',
    document: {
      ...order('Umbrella', 20, user('Alice', 'umbrella')),
      payload: {
        company: { uuid: uuid(), name: 'Umbrella', country: 'US' },
        order: { editionCode: 'ENTERPRISE', pricingDuration: 'YEARLY', items: [{ unit: 'USER', quantity: 20 }] },
      },
    },
  },
  {
    label: 'Acme orders again (same company)',
    document: (ids) => ({
      ...order('Acme Corp', 3, acmeOwner),
      payload: { ...order('Acme Corp', 3, acmeOwner).payload, company: { uuid: ids.acmeCompany, name: 'Acme Corp' } },
    }),
  },
  { label: 'assign Pat to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: pat }) },
  { label: 'assign Sam to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: sam }) },
  { label: 'assign Lee to Acme (4th seat of 3)', document: on('USER_ASSIGNMENT', 'acme', { user: lee }) },
  { label: 'assign Pat to Acme again', document: on('USER_ASSIGNMENT', 'acme', { user: pat }) },
  {
    label: 'Acme upgrades to 10 seats',
    document: on('SUBSCRIPTION_CHANGE', 'acme', {
      order: { editionCode: 'ENTERPRISE', pricingDuration: 'YEARLY', items: [{ unit: 'USER', quantity: 10 }] },
    }),
  },
  { label: 'assign Lee to Acme', document: on('USER_ASSIGNMENT', 'acme', { user: lee }) },
  {
    label: 'Acme downgrades to 1 seat',
    document: on('SUBSCRIPTION_CHANGE', 'acme', {
      order: { editionCode: 'PRO', items: [{ unit: 'USER', quantity: 1 }] },
    }),
  },
  { label: 'unassign the owner of Acme', document: on('USER_UNASSIGNMENT', 'acme', { user: acmeOwner }) },
  { label: 'unassign Sam from Acme', document: on('USER_UNASSIGNMENT', 'acme', { user: sam }) },
  { label: 'unassign Sam again', document: on('USER_UNASSIGNMENT', 'acme', { user: sam }) },
  {
    label: 'Pat changes e-mail',
    document: on('USER_UPDATED', 'acme', { user: { ...pat, email: 'pat.new@acme.example' } }),
  },
  {
    label: 'Globex is suspended (unpaid)',
    document: on('SUBSCRIPTION_NOTICE', 'globex', { notice: { type: 'DEACTIVATED' } }),
  },
  {
    label: 'assign a user to suspended Globex',
    document: on('USER_ASSIGNMENT', 'globex', { user: user('Ivy', 'globex') }),
  },
  {
    label: 'Globex is reactivated',
    document: on('SUBSCRIPTION_NOTICE', 'globex', { notice: { type: 'REACTIVATED' } }),
  },
  { label: 'assign Ivy to Globex', document: on('USER_ASSIGNMENT', 'globex', { user: user('Ivy', 'globex') }) },
  {
    label: 'event for an unknown account',
    document: on('USER_ASSIGNMENT', 'acct-does-not-exist', { user: user('Zed', 'nowhere') }),
  },
  { label: 'an event type we do not handle', document: on('ACCOUNT_SYNC', 'globex') },
  { label: 'Globex cancels', document: on('SUBSCRIPTION_CANCEL', 'globex') },
  { label: 'Globex cancels again', document: on('SUBSCRIPTION_CANCEL', 'globex') },
];

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

async function startService(
  marketplaceOrigin: string,
  product: ExampleProduct,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await findFreePort();
  const root = path.resolve(__dirname, '..');
  const child = spawn(
    process.execPath,
    ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', 'bin/start.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: process.env.DATA_DIR ?? path.join(root, '.data', 'demo'),
        LOG_LEVEL: 'warn',
        APPDIRECT_BASIC_USERNAME: BASIC.username,
        APPDIRECT_BASIC_PASSWORD: BASIC.password,
        APPDIRECT_CLIENT_ID: CLIENT.id,
        APPDIRECT_CLIENT_SECRET: CLIENT.secret,
        APPDIRECT_MARKETPLACE_URLS: marketplaceOrigin,
        RESULT_BACKOFF_MS: '200',
        PRODUCT_WEBHOOK_URL: product.url,
        PRODUCT_WEBHOOK_SECRETS: PRODUCT_SECRET,
        PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
        PRODUCT_DECIDE: 'accountCreated',
        PRODUCT_API_TOKENS: PRODUCT_API_TOKEN,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return { url: `http://127.0.0.1:${port}`, child };
}

async function main(): Promise<void> {
  const marketplace = await new FakeMarketplace({ client: CLIENT })
    .start(MARKETPLACE_PORT)
    .catch(() => new FakeMarketplace({ client: CLIENT }).start());
  const product = await startExampleProduct({
    secret: PRODUCT_SECRET,
    asyncEditions: ['ENTERPRISE'],
    completeAfterMs: 1500,
  });
  let service: { url: string; child: ChildProcess | null };
  if (process.env.DEMO_SERVICE_URL) {
    service = { url: process.env.DEMO_SERVICE_URL, child: null };
  } else {
    console.log(`Starting the service (DATA_DIR=.data/demo) against a fake marketplace at ${marketplace.origin}…`);
    service = await startService(marketplace.origin, product);
    product.productApi = { url: service.url, token: PRODUCT_API_TOKEN };
  }
  console.log(
    [
      '',
      `Service: ${service.url}   Fake marketplace: ${marketplace.origin}`,
      `(the service trusts it with APPDIRECT_MARKETPLACE_URLS=${marketplace.origin} APPDIRECT_BASIC_USERNAME=${BASIC.username}`,
      ` APPDIRECT_BASIC_PASSWORD=${BASIC.password} APPDIRECT_CLIENT_ID=${CLIENT.id} APPDIRECT_CLIENT_SECRET=${CLIENT.secret})`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    if (service.child) await stopChild(service.child, 12_000);
    await marketplace.stop();
    await product.close();
  };
  try {
    await waitForStatus(service.url, 90_000);
    const auth: NotifyAuth = { type: 'basic', ...BASIC };
    const ids: Record<string, string> = {};
    const tally = new Map<string, number>();

    // AppDirect's periodic liveness probe.
    const probe = await notify(service.url, marketplace.eventUrl('dummyOrder'), auth);
    console.log(`${'probe dummyOrder'.padEnd(44)} HTTP ${probe.status}  ${JSON.stringify(probe.body)}`);

    for (const [index, step] of DAY.entries()) {
      const document = typeof step.document === 'function' ? step.document(ids) : step.document;
      const { token, eventUrl } = marketplace.addEvent(document);
      if (step.remember)
        ids[`${step.remember}Company`] = (document.payload as { company: { uuid: string } }).company.uuid;
      const answer = await notify(service.url, eventUrl, auth);
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
    console.log(
      `\n${DAY.length} events: ${[...tally.entries()].map(([code, count]) => `${count} ${code}`).join(', ')}`,
    );
    if (service.child) {
      // Notify calls go out after each result: let the last ones arrive (no new call for 1 s, at most 10 s).
      for (let seen = -1, waited = 0; seen !== product.calls.length && waited < 10_000; waited += 1000) {
        seen = product.calls.length;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      console.log('\nTenants in the example product (examples/product), as it heard of them over signed webhooks:');
      for (const tenant of product.tenants.values()) {
        console.log(
          `  ${tenant.id.padEnd(10)} ${tenant.companyName.padEnd(12)} ${tenant.edition.padEnd(11)} ${tenant.status.padEnd(10)} ${[...tenant.users].join(', ')}`,
        );
      }
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
