import type { ChildProcess } from 'node:child_process';

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal`, waits up to graceMs for the child to exit, then SIGKILLs it.
 * Resolves true when it exited by itself.
 */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const exited = waitForExit(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const clean = await Promise.race([exited.then(() => true as const), timedOut]);
  clearTimeout(timer);
  if (!clean) {
    child.kill('SIGKILL');
    await exited;
  }
  return clean;
}

/**
 * Lets this process exit while `child` (a server we stop explicitly) still runs:
 * neither the child nor its pipes hold the event loop open.
 */
export function detachHandles(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}
