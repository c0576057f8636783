/**
 * A test run stops everything it started, whatever happens (issue 23.14): the embedded PostgreSQL and
 * redis-server of the global set-up, the servers and worker processes test files start, and whatever those
 * start. This watcher, started by the global set-up in a process of its own, records every process below the
 * Jest process while the run lasts (servers run in sessions of their own and outlive their parent, so the
 * tree is the only reliable record: PostgreSQL and Redis rewrite their environment and title). When Jest is
 * gone without its teardown (a timeout, Ctrl-C, a crash, SIGKILL) it stops every recorded process still
 * running, then removes the run's folder. The global teardown uses the same record to stop what a test file
 * left behind.
 *
 * Usage: node --import tsx reaper.ts <jest pid> <test root>
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A process, with its start time (clock ticks since boot): a pid reused by another process is not it. */
export interface Recorded {
  readonly pid: number;
  readonly startedAt: number;
}

/** Where the watcher keeps its record, inside the run's folder. */
export const recordFile = (root: string): string => path.join(root, '.processes.json');

/** Parent pid and start time of a process (null when it is gone, or has exited and only waits to be reaped). */
function statOf(pid: number): { parent: number; startedAt: number } | null {
  try {
    // "pid (command) state ppid … starttime(22nd field)"; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // a zombie: nothing left to stop
    return { parent: Number(fields[1]), startedAt: Number(fields[19]) };
  } catch {
    return null;
  }
}

/** Every process below `root` now (children, their children, …). */
export function descendantsOf(root: number): Recorded[] {
  const children = new Map<number, Recorded[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (!stat) continue;
    const siblings = children.get(stat.parent) ?? [];
    siblings.push({ pid: Number(name), startedAt: stat.startedAt });
    children.set(stat.parent, siblings);
  }
  const found: Recorded[] = [];
  const pending = [root];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop()!) ?? []) {
      found.push(child);
      pending.push(child.pid);
    }
  }
  return found;
}

/** Whether the recorded process still runs (the same process, not a reused pid). */
export const stillRunning = (process: Recorded): boolean => statOf(process.pid)?.startedAt === process.startedAt;

/** The command line of a process, for messages. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 160);
  } catch {
    return '?';
  }
}

export function readRecord(root: string): Recorded[] {
  try {
    return JSON.parse(readFileSync(recordFile(root), 'utf8')) as Recorded[];
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to each process still running, SIGKILL to what is left after `graceMs`; returns what it stopped. */
export async function stopAll(
  processes: readonly Recorded[],
  graceMs = 5000,
): Promise<Array<{ pid: number; command: string }>> {
  const running = processes.filter(stillRunning);
  const stopped = running.map(({ pid }) => ({ pid, command: commandOf(pid) }));
  const signal = (target: Recorded, name: NodeJS.Signals) => {
    try {
      if (stillRunning(target)) process.kill(target.pid, name);
    } catch {
      // gone meanwhile
    }
  };
  for (const target of running) signal(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && running.some(stillRunning)) await sleep(100);
  for (const target of running) signal(target, 'SIGKILL');
  return stopped;
}

async function watch(jestPid: number, root: string): Promise<void> {
  const seen = new Map<string, Recorded>();
  const self = statOf(process.pid);
  for (;;) {
    // The run's folder is gone: the global teardown ran and stopped everything.
    if (!existsSync(root)) return;
    if (statOf(jestPid) === null) {
      const stopped = await stopAll([...seen.values()]);
      rmSync(root, { recursive: true, force: true });
      if (stopped.length > 0)
        process.stderr.write(
          `test run ended without its teardown: stopped ${stopped.map((p) => `${p.pid} (${p.command})`).join(', ')}\n`,
        );
      return;
    }
    let grew = false;
    for (const found of descendantsOf(jestPid)) {
      const key = `${found.pid}:${found.startedAt}`;
      if (seen.has(key) || (found.pid === process.pid && found.startedAt === self?.startedAt)) continue;
      seen.set(key, found);
      grew = true;
    }
    if (grew) {
      try {
        writeFileSync(recordFile(root), JSON.stringify([...seen.values()]));
      } catch {
        // the folder is being removed: the next turn sees it gone
      }
    }
    await sleep(200);
  }
}

if (require.main === module) {
  const [jestPid, root] = process.argv.slice(2);
  if (!jestPid || !root) {
    process.stderr.write('usage: node --import tsx reaper.ts <jest pid> <test root>\n');
    process.exit(2);
  }
  watch(Number(jestPid), root).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`test reaper: ${(error as Error)?.message}\n`);
      process.exit(1);
    },
  );
}
