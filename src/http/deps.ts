import type { RedisConnection } from '../queue/connection';
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import type { Preflight } from '../health/preflight';
import type { ProductConnection } from '../hooks/product';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient } from '../marketplace/client';
import type { ProcessMetrics } from '../metrics/registry';
import type { Producer } from '../queue/producer';

/** What the HTTP application is built from (buildApp) and what each router takes a part of. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly prisma: PrismaClient;
  /** Producer-profile connection (fails fast). */
  readonly redis: RedisConnection;
  /** Migration names shipped with this build; /status checks they are applied. */
  readonly expectedMigrations: readonly string[];
  /** The managed-services preflight, running on its own (src/health/preflight.ts); /status and /readyz read it. */
  readonly preflight: Pick<Preflight, 'report'>;
  readonly producer: Producer;
  readonly marketplace: MarketplaceClient;
  readonly metrics: ProcessMetrics;
  /** The vendor's product: asked to decide synchronously answered notices; served by the product API. */
  readonly product: ProductConnection;
}
