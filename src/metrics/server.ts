import http from 'node:http';
import type { Registry } from 'prom-client';
import type { ProbeAnswer } from '../health/probes';

/**
 * A tiny HTTP server for a worker process: GET /metrics (Prometheus), GET /ping, and the probes given
 * (GET /livez, GET /readyz), on `host` (METRICS_HOST: loopback unless the operator opens it to a scraper elsewhere).
 */
export function serveMetrics(
  registry: Registry,
  port: number,
  onError: (error: Error) => void,
  probes: Readonly<Record<string, () => Promise<ProbeAnswer>>> = {},
  host = '127.0.0.1',
): { server: http.Server; close(): Promise<void> } {
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const probe = req.method === 'GET' ? probes[path] : undefined;
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    } else if (probe) {
      probe().then(
        (answer) => json(res, answer.status, answer.body),
        () => json(res, 500, { code: 'INTERNAL_ERROR' }),
      );
    } else if (path === '/ping') {
      json(res, 200, { status: 'ok' });
    } else {
      json(res, 404, { code: 'ROUTE_NOT_FOUND' });
    }
  });
  // A port already taken (two workers on one host with the same METRICS_PORT) must not stop the worker.
  server.on('error', onError);
  server.listen(port, host);
  return {
    server,
    close: () => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}
