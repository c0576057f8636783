/**
 * Issue #23.15: every request log line names the request by its full path (no query string), whichever
 * router answered it; mounted routers used to log their own relative path ("/events" for
 * /admin/api/events). The 405 answer names the full path too.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestApp, type TestApp } from '../support/app';

const TOKEN = 'request-log-token-0123456789abcdef0123';

describe('request log lines', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: `ops:${TOKEN}` }, { logger: pino({ level: 'info' }, sink) });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('logs the full path of every request, without its query string', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, accept: 'application/json' };
    const requests: Array<[string, string, number]> = [
      ['GET', '/admin/api/events?limit=1&status=failed', 200],
      ['GET', '/admin/api/events/no-such-token', 404],
      ['PUT', '/admin/api/events', 405],
      ['GET', '/admin/api/overview?window=24h', 200],
      ['GET', '/admin/events?status=failed', 200],
      ['GET', '/product/api/accounts/x', 403],
      ['GET', '/ping', 200],
      ['GET', '/no/such/route?x=1', 404],
    ];
    for (const [method, path, status] of requests) {
      const res = await fetch(`${url}${path}`, { method, headers: auth });
      expect({ path, status: res.status }).toEqual({ path, status });
      if (status === 405) expect(((await res.json()) as { message: string }).message).toContain('/admin/api/events');
      else await res.arrayBuffer();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const logged = lines.filter((line) => line.msg === 'request finished').map((line) => [line.method, line.path]);
    expect(logged).toEqual(requests.map(([method, path]) => [method, path.split('?')[0]]));
  });
});
