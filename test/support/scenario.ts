/**
 * A running service for end-to-end tests: the API on loopback, real workers,
 * the fake marketplace (OAuth 2.0 client credentials outbound, Basic inbound).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProvisioningHooks } from '../../src/hooks';
import { createHttpServer } from '../../src/http/http-server';
import type { ResultBody } from '../../src/marketplace/client';
import { FakeMarketplace, type FakeMarketplaceOptions } from '../../tools/fake-marketplace/server';
import { notify, type NotifyAuth } from '../../tools/fake-marketplace/notify';
import { startTestApp, type TestApp } from './app';
import type { TestDatabase } from './infra';
import { eventually, startTestWorkers, type TestWorkers } from './workers';

export const BASIC = { username: 'appdirect', password: 'scenario-password' };
export const CLIENT = { id: 'vendor-client', secret: 'vendor-client-secret' };

export interface Scenario {
  readonly marketplace: FakeMarketplace;
  readonly subject: TestApp;
  readonly serviceUrl: string;
  readonly auth: NotifyAuth;
  workers: TestWorkers | null;
  /** Sends the event and resolves to the result AppDirect receives (sync answer or result POST). */
  send(document: Record<string, unknown>): Promise<ResultBody & { token: string }>;
  /** Sends without waiting for the outcome. */
  post(document: Record<string, unknown>): Promise<{ token: string; status: number }>;
  resultOf(token: string, timeoutMs?: number): Promise<ResultBody>;
  startWorkers(hooks?: ProvisioningHooks, options?: { redisUrl?: string; sweepEveryMs?: number }): void;
  /** Closes the workers (in-flight jobs finish); startWorkers may start new ones. */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export async function startScenario(
  env: NodeJS.ProcessEnv = {},
  options: {
    workers?: boolean;
    hooks?: ProvisioningHooks;
    sweepEveryMs?: number;
    marketplace?: Omit<FakeMarketplaceOptions, 'client'>;
    database?: TestDatabase;
  } = {},
): Promise<Scenario> {
  const marketplace = await new FakeMarketplace({ ...options.marketplace, client: CLIENT }).start();
  const subject = await startTestApp(
    {
      APPDIRECT_BASIC_USERNAME: BASIC.username,
      APPDIRECT_BASIC_PASSWORD: BASIC.password,
      APPDIRECT_CLIENT_ID: CLIENT.id,
      APPDIRECT_CLIENT_SECRET: CLIENT.secret,
      APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
      EVENT_MAX_ATTEMPTS: '3',
      EVENT_BACKOFF_MS: '20',
      RESULT_BACKOFF_MS: '20',
      ...env,
    },
    { hooks: options.hooks },
    options.database,
  );
  const server: Server = createHttpServer(subject.app, subject.deps.logger).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth: NotifyAuth = { type: 'basic', ...BASIC };

  const resultOf = async (token: string, timeoutMs = 15_000): Promise<ResultBody> =>
    (await eventually(async () => marketplace.resultsFor(token)[0], timeoutMs)).body as unknown as ResultBody;

  const scenario: Scenario = {
    marketplace,
    subject,
    serviceUrl,
    auth,
    workers: null,
    post: async (document) => {
      const { token, eventUrl } = marketplace.addEvent(document);
      const res = await notify(serviceUrl, eventUrl, auth);
      return { token, status: res.status };
    },
    send: async (document) => {
      const { token, eventUrl } = marketplace.addEvent(document);
      const res = await notify(serviceUrl, eventUrl, auth);
      if (res.status === 200) return { ...(res.body as unknown as ResultBody), token };
      if (res.status !== 202) throw new Error(`notification answered ${res.status}: ${JSON.stringify(res.body)}`);
      return { ...(await resultOf(token)), token };
    },
    resultOf,
    startWorkers: (hooks, workerOptions = {}) => {
      // Workers replaced without being closed would go on running (and beating) after the test file ends.
      if (scenario.workers) throw new Error('workers already run in this scenario: close them first');
      scenario.workers = startTestWorkers(subject, { hooks, ...workerOptions });
    },
    stopWorkers: async () => {
      const workers = scenario.workers;
      scenario.workers = null;
      await workers?.close();
    },
    close: async () => {
      await scenario.workers?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await subject.close();
      await marketplace.stop();
    },
  };
  if (options.workers ?? true)
    scenario.startWorkers(undefined, { redisUrl: env.REDIS_URL, sweepEveryMs: options.sweepEveryMs });
  return scenario;
}
