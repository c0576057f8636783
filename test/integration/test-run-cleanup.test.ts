/**
 * A test run stops everything it started, whatever happens (issue 23.14): a Jest run whose test leaves a server
 * running, or that is killed in the middle, leaves no process of its own behind and removes its folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandOf, descendantsOf, readRecord, stillRunning } from '../support/reaper';
import { eventually } from '../support/workers';

const ROOT = path.resolve(__dirname, '..', '..');

/** A Jest of its own running the fixture, its global set-up and teardown included. */
function runFixture(mode: 'hang' | 'leak') {
  const dir = mkdtempSync(path.join(tmpdir(), 'adp-cleanup-'));
  const readyFile = path.join(dir, 'ready.json');
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--testMatch',
      '**/test/support/fixtures/leaves-a-server.fixture.ts',
      '--reporters',
      'default',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, FIXTURE_MODE: mode, FIXTURE_READY_FILE: readyFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = async () =>
    JSON.parse(
      await eventually(async () => (existsSync(readyFile) ? readFileSync(readyFile, 'utf8') : undefined), 60_000),
    ) as { root: string; redis: string };
  return { child, exited, ready, output: () => output, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('a test run', () => {
  it('stops a server a test left running when the run ends, and says so', async () => {
    const run = runFixture('leak');
    try {
      const { root } = await run.ready();
      // Everything the run started, seen while the test still runs (its server among them).
      const started = descendantsOf(run.child.pid!);
      expect(await run.exited).toBe(0);
      expect(existsSync(root)).toBe(false);
      // The reaper exits on its own within a moment of the folder's removal.
      await eventually(async () => !started.some(stillRunning), 10_000);
      expect(run.output()).toContain('stopped processes a test left running');
    } finally {
      run.cleanup();
    }
  }, 120_000);

  it('stops everything it started when Jest is killed mid-run', async () => {
    const run = runFixture('hang');
    try {
      const { root } = await run.ready();
      // The run's own servers (PostgreSQL, Redis), the test's server, Jest's workers, the reaper.
      const started = descendantsOf(run.child.pid!);
      expect(started.length).toBeGreaterThan(3);
      // The reaper looks every 200 ms: once it has seen them all (but itself), Jest dies.
      await eventually(async () => {
        const recorded = new Set(readRecord(root).map(({ pid }) => pid));
        return started.every(({ pid }) => recorded.has(pid) || commandOf(pid).includes('reaper.ts'));
      });
      run.child.kill('SIGKILL');
      await run.exited;
      await eventually(async () => !started.some(stillRunning) && !existsSync(root), 30_000).catch((error: Error) => {
        const left = started.filter(stillRunning).map(({ pid }) => `${pid} ${commandOf(pid)}`);
        throw new Error(`${error.message}; still running: ${left.join(', ')}; folder there: ${existsSync(root)}`);
      });
    } finally {
      run.child.kill('SIGKILL');
      run.cleanup();
    }
  }, 120_000);
});
