import type { Logger } from '../logging/logger';

/**
 * Runs `steps` in order once, on the first SIGTERM or SIGINT; a second signal
 * forces exit. Each step is logged; a failing step does not stop later ones.
 */
export function onShutdown(
  logger: Logger,
  steps: Array<[string, () => Promise<unknown>]>,
  forceAfterMs = 10_000,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    for (const [name, step] of steps) {
      try {
        await step();
        logger.debug({ step: name }, 'stopped');
      } catch (error) {
        logger.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Exits with a readable message for configuration and environment problems (no stack trace). */
export function exitWithProblem(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
