import http from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A tiny HTTP server for a worker process: GET /metrics (Prometheus) and GET /ping, on `host`
 * (METRICS_HOST: loopback unless the operator opens it to a scraper elsewhere).
 */
export function serveMetrics(registry: Registry, port: number, onError: (error: Error) => void, host = '127.0.0.1'): { server: http.Server; close(): Promise<void> } {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
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
      return;
    }
    res.writeHead(req.url === '/ping' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(req.url === '/ping' ? '{"status":"ok"}' : '{"code":"ROUTE_NOT_FOUND"}');
  });
  // A port already taken (two workers on one host with the same METRICS_PORT) must not stop the worker.
  server.on('error', onError);
  server.listen(port, host);
  return { server, close: () => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve())) };
}
