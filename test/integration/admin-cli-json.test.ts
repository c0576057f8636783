/**
 * The admin CLI as the package's `appdirect-provisioner-admin` command (bin/appdirect-provisioner-admin.cjs):
 * `overview`, `--json` on every command (the API's field names on stdout, errors as JSON on stderr) and
 * exit statuses (0 done, 1 refused or unreachable, 2 wrong command line).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { orderEvent } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';

const TOKEN = 'cli-json-token-0123456789abcdefghijklmn';
const ROOT = path.resolve(__dirname, '..', '..');

function admin(s: Scenario, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/appdirect-provisioner-admin.cjs', ...args], {
      cwd: ROOT,
      env: { ...process.env, ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${TOKEN}` },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('appdirect-provisioner-admin', () => {
  let s: Scenario;
  let failedToken = '';
  let account = '';
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
    s.marketplace.fetchFaults.push({ status: 503, times: 4 });
    const failed = await s.send(orderEvent({ seats: 2 }));
    expect(failed.errorCode).toBe('TRANSPORT_ERROR');
    failedToken = failed.token;
    account = (await s.send(orderEvent({ seats: 4 }))).accountIdentifier!;
  });
  afterAll(() => s.close());

  it('prints the overview for people, and as JSON with the API field names', async () => {
    const text = await admin(s, 'overview');
    expect(text.code).toBe(0);
    expect(text.out).toContain('NEEDS ACTION');
    expect(text.out).toContain('1 event(s) failed with TRANSPORT_ERROR');
    expect(text.out).toMatch(/test-worker\s+alive/);

    const json = await admin(s, 'overview', '--window', '7d', '--json');
    expect(json.code).toBe(0);
    const overview = JSON.parse(json.out) as Record<string, unknown> & {
      series: unknown[];
      workers: Array<{ workerId: string; state: string }>;
    };
    expect(overview).toMatchObject({
      window: '7d',
      needsAction: { failedEvents: { total: 1, byCode: { TRANSPORT_ERROR: 1 } } },
      statusCounts: { finishedInWindow: { succeeded: 1 } },
    });
    expect(overview.series).toHaveLength(42);
    expect(overview.workers).toEqual([expect.objectContaining({ workerId: 'test-worker', state: 'alive' })]);
  });

  it('answers every command with JSON under --json', async () => {
    const list = JSON.parse((await admin(s, 'events', 'list', '--status', 'failed', '--json')).out) as {
      items: Array<{ token: string; errorCode: string }>;
    };
    expect(list.items).toEqual([expect.objectContaining({ token: failedToken, errorCode: 'TRANSPORT_ERROR' })]);
    const shown = JSON.parse((await admin(s, 'events', 'show', failedToken, '--json')).out) as {
      token: string;
      status: string;
      timeline: unknown[];
    };
    expect(shown).toMatchObject({ token: failedToken, status: 'failed' });
    expect(shown.timeline.length).toBeGreaterThan(0);
    const dry = JSON.parse(
      (await admin(s, 'events', 'retry', '--error-code', 'TRANSPORT_ERROR', '--dry-run', '--json')).out,
    ) as unknown;
    expect(dry).toEqual({
      dryRun: true,
      action: null,
      matched: 1,
      rerun: 1,
      resendResult: 0,
      queued: 0,
      perSecond: 50,
      needsForce: 0,
    });
    const accountShown = JSON.parse((await admin(s, 'accounts', 'show', account, '--json')).out) as {
      accountIdentifier: string;
      maxUsers: number;
    };
    expect(accountShown).toMatchObject({ accountIdentifier: account, maxUsers: 4 });
    const found = JSON.parse((await admin(s, 'accounts', 'search', 'Customer Inc', '--json')).out) as {
      items: unknown[];
    };
    expect(found.items.length).toBeGreaterThan(0);
    const retried = await admin(s, 'events', 'retry', failedToken, '--force', '--yes', '--json');
    expect(JSON.parse(retried.out)).toEqual({ token: failedToken, retry: 'rerun', forced: true });
  });

  it('exits 1 with a JSON error when the service refuses, 2 when the command line is wrong', async () => {
    const missing = await admin(s, 'events', 'show', 'no-such-token', '--json');
    expect(missing.code).toBe(1);
    expect(missing.out).toBe('');
    expect(JSON.parse(missing.err)).toEqual({
      error: { code: 'EVENT_NOT_FOUND', message: expect.stringContaining('no-such-token'), action: expect.any(String) },
    });

    // A window the CLI does not know is a wrong command line (2), refused before asking the service.
    const window = await admin(s, 'overview', '--window', '1h', '--json');
    expect(window.code).toBe(2);
    expect(JSON.parse(window.err).error.code).toBe('USAGE');

    const wrongToken = await admin(s, 'overview', '--json', '--token', 'wrong-token-wrong-token');
    expect(wrongToken.code).toBe(1);
    expect(JSON.parse(wrongToken.err).error.code).toBe('ADMIN_TOKEN_INVALID');

    const unreachable = await admin(s, 'overview', '--json', '--url', 'http://127.0.0.1:9');
    expect(unreachable.code).toBe(1);
    expect(JSON.parse(unreachable.err).error.code).toBe('CONNECTION_FAILED');

    const unknown = await admin(s, 'events', 'frobnicate', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.err).error.code).toBe('USAGE');
    const badFlag = await admin(s, 'overview', '--no-such-flag');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain('--no-such-flag');
  });
});
