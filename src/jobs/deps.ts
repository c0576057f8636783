import type { Config } from '../config';
import type { SqlSource } from '../db/sql';
import type { ProductConnection } from '../hooks/product';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient } from '../marketplace/client';
import type { ProcessMetrics } from '../metrics/registry';
import type { Producer } from '../queue/producer';

/** What the job handlers of a worker process work with. */
export interface JobDeps {
  readonly db: SqlSource;
  readonly marketplace: MarketplaceClient;
  readonly config: Pick<
    Config,
    'appdirect' | 'pendingWaitMs' | 'resultBackoffMs' | 'resultMaxAttempts' | 'workerConcurrency'
  >;
  readonly logger: Logger;
  readonly producer: Producer;
  /** The vendor's product (decide calls inside the event's run, notify calls after commit). */
  readonly product: ProductConnection;
  readonly metrics?: ProcessMetrics;
}
