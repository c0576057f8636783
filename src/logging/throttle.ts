import type { Logger } from './logger';

/**
 * Logs a repeating problem (a connection error per reconnect attempt, per BullMQ worker, per command)
 * with backoff: the first occurrence at once, then at most one line per key after 1 s, 2 s, 4 s … up to
 * `maxIntervalMs`, each saying how many were suppressed. A key quiet for `maxIntervalMs` starts over.
 * An outage of Redis thus writes a few dozen lines an hour, not thousands a minute.
 */
export class ThrottledLog {
  private readonly keys = new Map<string, { nextAt: number; intervalMs: number; suppressed: number; lastAt: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly options: { firstIntervalMs?: number; maxIntervalMs?: number; now?: () => number } = {},
  ) {}

  /** Logs `message` at warn level under `key` (say, the error's message), unless throttled. Returns whether it logged. */
  warn(key: string, fields: Record<string, unknown>, message: string): boolean {
    const now = (this.options.now ?? Date.now)();
    const first = this.options.firstIntervalMs ?? 1000;
    const max = this.options.maxIntervalMs ?? 60_000;
    const state = this.keys.get(key);
    if (!state || now - state.lastAt > max) {
      this.keys.set(key, { nextAt: now + first, intervalMs: first, suppressed: 0, lastAt: now });
      if (this.keys.size > 100) this.keys.delete(this.keys.keys().next().value as string); // bounded
      this.logger.warn(fields, message);
      return true;
    }
    state.lastAt = now;
    if (now < state.nextAt) {
      state.suppressed += 1;
      return false;
    }
    this.logger.warn(
      { ...fields, suppressed: state.suppressed },
      `${message} (repeated; ${state.suppressed} similar lines suppressed)`,
    );
    state.intervalMs = Math.min(state.intervalMs * 2, max);
    state.nextAt = now + state.intervalMs;
    state.suppressed = 0;
    return true;
  }
}
