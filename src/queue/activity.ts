/**
 * What a worker process's job loop has done lately: when it last started or finished a job and how many it
 * holds. The liveness probe (src/health/probes.ts) compares it with the queues' waiting jobs to tell a
 * stalled consumer (jobs wait, nothing moves) from an idle one (nothing to do).
 */
export interface ActivitySnapshot {
  /** Jobs being run right now. */
  readonly running: number;
  /** Milliseconds since a job last started or finished (since start-up when none has). */
  readonly idleForMs: number;
}

export class ActivityTracker {
  private running = 0;
  private lastProgressAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastProgressAt = now();
  }

  jobStarted(): void {
    this.running += 1;
    this.lastProgressAt = this.now();
  }

  jobFinished(): void {
    this.running -= 1;
    this.lastProgressAt = this.now();
  }

  snapshot(): ActivitySnapshot {
    return { running: this.running, idleForMs: this.now() - this.lastProgressAt };
  }
}
