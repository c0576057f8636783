/**
 * What the service needs to take part in the demo: the fake marketplace's credentials and address, and the
 * example product's webhook, secret and product API token. One list: the demo starts its own service with
 * it, and prints it for running the demo against your own service (DEMO_SERVICE_URL).
 */

export const BASIC = { username: 'demo-appdirect', password: 'demo-password' } as const;
export const CLIENT = { id: 'demo-vendor-client', secret: 'demo-vendor-secret' } as const;
export const PRODUCT_SECRET = `whsec_${Buffer.from('demo-product-webhook-secret-32-bytes').toString('base64')}`;
export const PRODUCT_API_TOKEN = 'demo-product-api-token';

/** Where the demo's own servers listen: fixed ports, so the settings printed once stay true. */
export const DEMO_PORTS = {
  marketplace: Number(process.env.DEMO_MARKETPLACE_PORT ?? 8765),
  product: Number(process.env.DEMO_PRODUCT_PORT ?? 8766),
};

/** The service's environment for the demo: every variable it needs, with its value. */
export function serviceSettings(marketplaceOrigin: string, productWebhookUrl: string): Record<string, string> {
  return {
    // AppDirect: who may notify (HTTP Basic), which marketplace to fetch events from, and how to sign in there.
    APPDIRECT_MARKETPLACE_URLS: marketplaceOrigin,
    APPDIRECT_BASIC_USERNAME: BASIC.username,
    APPDIRECT_BASIC_PASSWORD: BASIC.password,
    APPDIRECT_CLIENT_ID: CLIENT.id,
    APPDIRECT_CLIENT_SECRET: CLIENT.secret,
    // The example product: signed webhooks on loopback, deciding new accounts (completing some through the product
    // API), answering the restrictions question with its own seat limit, and AppDirect's migration of its customers.
    PRODUCT_WEBHOOK_URL: productWebhookUrl,
    PRODUCT_WEBHOOK_SECRETS: PRODUCT_SECRET,
    PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
    PRODUCT_DECIDE: 'accountCreated,restrictions,validateCustomerAccount,validateSubscription,migrateSubscription',
    PRODUCT_API_TOKENS: PRODUCT_API_TOKEN,
    // Results reach the fake marketplace quickly when a POST has to be retried.
    RESULT_BACKOFF_MS: '200',
  };
}

/** The settings as one command that starts a service with them (copy, paste, run). */
export function settingsCommand(settings: Readonly<Record<string, string>>, command = 'npm start'): string {
  return [...Object.entries(settings).map(([name, value]) => `  ${name}=${value} \\`), `  ${command}`].join('\n');
}
