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

/** The banner's lines (with the blank lines around them), ready to write to stdout. */
export function startBanner(config: BannerConfig): string {
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
    `  Data           ${config.dataDir}`,
    '  Press Ctrl-C to stop.',
    '',
    '',
  ].join('\n');
}
