/**
 * What `npm start` prints once everything is started: where each part answers and who can reach it. Every
 * address is computed from the same settings the processes listen with (HOST, PORT, METRICS_HOST), so the
 * banner says what is true, not what is usual.
 */
import type { Config } from '../config';
import { apiListenOptions, describeListening, localUrl } from './listen-address';

export type BannerConfig = Pick<
  Config,
  'host' | 'port' | 'metricsHost' | 'workers' | 'workerConcurrency' | 'adminTokens' | 'dataDir'
>;

/** What only the supervisor knows once the embedded servers run. */
export interface StartedServices {
  /** Where the embedded PostgreSQL keeps its data; unset when DATABASE_URL is used. */
  readonly postgresDataDir?: string;
}

/**
 * Where the data is. As root from a private checkout PostgreSQL's data lives outside it (its `postgres`
 * user cannot reach the checkout) and outlives it: the banner says so, with the command that removes it.
 */
function dataLines(dataDir: string, postgresDataDir: string | undefined): string[] {
  const lines = [`  Data           ${dataDir}`];
  if (postgresDataDir !== undefined && !postgresDataDir.startsWith(`${dataDir}/`))
    lines.push(
      `                 PostgreSQL: ${postgresDataDir} (outside DATA_DIR: deleting the checkout leaves it; npm run data:remove removes it)`,
    );
  return lines;
}

/** The banner's lines (with the blank lines around them), ready to write to stdout. */
export function startBanner(config: BannerConfig, started: StartedServices = {}): string {
  const api = apiListenOptions(config);
  const base = localUrl(api);
  // `npm start` gives worker N the metrics port PORT+N.
  const firstWorkerMetrics = localUrl({ host: config.metricsHost, port: config.port + 1 });
  return [
    '',
    `  appdirect-provisioner is starting (${config.workers} worker process(es), concurrency ${config.workerConcurrency} each)`,
    `  API            ${describeListening(api)}`,
    `  Health         ${base}/status`,
    `  Metrics        ${base}/metrics (API), ${firstWorkerMetrics}/metrics … (workers)`,
    `  Admin          ${base}/admin${config.adminTokens.length ? '' : '   (disabled: ADMIN_TOKEN not set)'}`,
    `  AppDirect URL  https://<your-host>/appdirect/events?eventUrl={eventUrl}`,
    ...dataLines(config.dataDir, started.postgresDataDir),
    '  Press Ctrl-C to stop.',
    '',
    '',
  ].join('\n');
}
