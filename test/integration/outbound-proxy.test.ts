import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { MarketplaceClient } from '../../src/marketplace/client';
import { useOutboundProxy } from '../../src/marketplace/proxy';

/** A forward proxy on loopback that tunnels CONNECT requests and records where each went. */
async function startTunnelProxy(): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('outbound proxy (HTTP_PROXY / HTTPS_PROXY / NO_PROXY)', () => {
  let marketplace: http.Server;
  let eventUrl: string;

  beforeAll(async () => {
    marketplace = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end('{"type":"SUBSCRIPTION_ORDER"}');
    });
    await new Promise<void>((resolve) => marketplace.listen(0, '127.0.0.1', resolve));
    eventUrl = `http://127.0.0.1:${(marketplace.address() as AddressInfo).port}/api/integration/v1/events/t1`;
  });
  afterAll(() => new Promise<void>((resolve) => marketplace.close(() => resolve())));

  it('is off when no proxy is configured', () => {
    expect(useOutboundProxy({ httpsProxy: undefined, httpProxy: undefined, noProxy: undefined }).enabled).toBe(false);
  });

  it('fetches events through the proxy, and directly for hosts in NO_PROXY', async () => {
    const proxy = await startTunnelProxy();
    const client = new MarketplaceClient({ credentials: { consumer: { key: 'k', secret: 's' }, client: undefined } });
    const through = useOutboundProxy({ httpsProxy: proxy.url, httpProxy: proxy.url, noProxy: undefined });
    try {
      expect(await client.fetchEvent(eventUrl)).toEqual({ type: 'SUBSCRIPTION_ORDER' });
      expect(proxy.tunnels).toEqual([new URL(eventUrl).host]);
    } finally {
      through.restore();
    }
    const bypass = useOutboundProxy({ httpsProxy: proxy.url, httpProxy: proxy.url, noProxy: '127.0.0.1' });
    try {
      expect(await client.fetchEvent(eventUrl)).toEqual({ type: 'SUBSCRIPTION_ORDER' });
      expect(proxy.tunnels).toHaveLength(1);
    } finally {
      bypass.restore();
      await proxy.close();
    }
  });
});
