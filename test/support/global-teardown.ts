import { readFileSync, rmSync } from 'node:fs';
import { descendantsOf, readRecord, stopAll, type Recorded } from './reaper';

/** The parent of a process (0 when it cannot be read). */
const parentOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
};

const isJestWorker = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('jest-worker');
  } catch {
    return false;
  }
};

/**
 * Stops the run's servers, then whatever a test file left running (below Jest now, or seen below it during the
 * run by the reaper and orphaned since), saying so; then removes the run's folder, which ends the reaper.
 */
export default async function globalTeardown(): Promise<void> {
  for (const service of globalThis.__testServices ?? []) await service.stop();
  const root = process.env.TEST_ROOT;
  if (root && process.platform === 'linux') {
    // Jest's own workers, and the reaper with what it runs (tsx's esbuild service), are not leftovers.
    const keep = new Set<number>(globalThis.__testReaperPid ? [globalThis.__testReaperPid] : []);
    for (const { pid } of descendantsOf(globalThis.__testReaperPid ?? -1)) keep.add(pid);
    const found = new Map<number, Recorded>();
    for (const process_ of [...descendantsOf(process.pid), ...readRecord(root)]) {
      if (keep.has(process_.pid)) continue;
      if (parentOf(process_.pid) === process.pid && isJestWorker(process_.pid)) continue;
      found.set(process_.pid, process_);
    }
    const stopped = await stopAll([...found.values()]);
    if (stopped.length > 0)
      console.warn(
        `\nstopped processes a test left running: ${stopped.map(({ pid, command }) => `${pid} (${command})`).join(', ')}`,
      );
  }
  if (root) rmSync(root, { recursive: true, force: true });
}
