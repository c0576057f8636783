/**
 * The settings `npm run demo` starts its service with, and prints for running it against your own: complete
 * (the example product's PRODUCT_* included), accepted by the real configuration loader, documented.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { envSchema } from '../../src/config/schema';
import type { Tenant } from '../../examples/product/app';
import { PRODUCT_API_TOKEN, PRODUCT_SECRET, serviceSettings, settingsCommand } from '../../tools/demo/settings';
import { tenantDifferences } from '../../tools/demo/tenants';

const MARKETPLACE = 'http://127.0.0.1:8765';
const PRODUCT = 'http://127.0.0.1:8766/appdirect';

describe("the demo's service settings", () => {
  const settings = serviceSettings(MARKETPLACE, PRODUCT);

  it('connect the service to the fake marketplace and to the example product, and load as they are', () => {
    const config = loadConfig(settings);
    expect(config.appdirect.marketplaceOrigins).toEqual([MARKETPLACE]);
    expect(config.appdirect.basicUsername).toBeDefined();
    expect(config.appdirect.clientId).toBeDefined();
    expect(config.product).toMatchObject({
      webhookUrl: PRODUCT,
      webhookSecrets: [PRODUCT_SECRET],
      allowPrivateTargets: true,
      decideKinds: ['accountCreated'],
      questionKinds: ['restrictions', 'validateCustomerAccount', 'validateSubscription', 'migrateSubscription'],
      apiTokens: [PRODUCT_API_TOKEN],
    });
  });

  it('name only variables the service reads', () => {
    for (const name of Object.keys(settings)) expect(Object.keys(envSchema.shape)).toContain(name);
  });

  it('are printed as one command that starts a service with every one of them', () => {
    const command = settingsCommand(settings);
    for (const [name, value] of Object.entries(settings)) expect(command).toContain(`  ${name}=${value} \\\n`);
    expect(command.split('\n').filter((line) => line.includes('PRODUCT_')).length).toBe(5);
    expect(command.endsWith('  npm start')).toBe(true);
  });

  it('README says how to run the demo against your own service and where the admin page is', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('DEMO_SERVICE_URL=http://127.0.0.1:3000 npm run demo');
    expect(readme).toMatch(/npm run demo[\s\S]*admin page/);
  });
});

describe("the demo's check of the example product against the service", () => {
  const tenant: Tenant = {
    id: 'tenant-1',
    domain: 'acme.example',
    companyName: 'Acme',
    edition: 'PRO',
    maxUsers: 3,
    users: new Set(['dana@acme.example', 'pat.new@acme.example']),
    addons: new Map(),
    status: 'active',
  };
  const account = {
    status: 'active',
    editionCode: 'PRO',
    maxUsers: 3,
    users: [{ email: 'pat.new@acme.example' }, { email: 'dana@acme.example' }],
  };

  it('finds nothing when both agree', () => {
    expect(tenantDifferences(tenant, account)).toEqual([]);
  });

  it('names what differs: an e-mail change the product missed', () => {
    expect(
      tenantDifferences(tenant, { ...account, users: [{ email: 'dana@acme.example' }, { email: 'pat@acme.example' }] }),
    ).toEqual([
      'tenant-1 users: product dana@acme.example, pat.new@acme.example, service dana@acme.example, pat@acme.example',
    ]);
    expect(tenantDifferences(tenant, null)).toEqual(['tenant-1: the service has no such account']);
  });
});
