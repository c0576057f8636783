/**
 * HOST: the API listens on loopback unless told otherwise, the places that run it in a container say
 * 0.0.0.0, and the banner says which it is. Only loopback is ever bound here; the wildcard is checked on
 * the computed listen options.
 */
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { createHttpServer, listen } from '../../src/http/http-server';
import { createLogger } from '../../src/logging/logger';
import { startBanner } from '../../src/runtime/banner';
import { apiListenOptions, describeListening, isEveryInterface } from '../../src/runtime/listen-address';

const ROOT = path.resolve(__dirname, '..', '..');
const logger = createLogger('silent', 'test');

describe('where the API listens (HOST)', () => {
  it('is loopback by default', () => {
    expect(apiListenOptions(loadConfig({}))).toEqual({ host: '127.0.0.1', port: 3000 });
  });

  it('is every interface with HOST=0.0.0.0 or HOST=::', () => {
    for (const host of ['0.0.0.0', '::']) {
      const options = apiListenOptions(loadConfig({ HOST: host, PORT: '8080' }));
      expect(options).toEqual({ host, port: 8080 });
      expect(isEveryInterface(options.host)).toBe(true);
    }
    expect(isEveryInterface('127.0.0.1')).toBe(false);
  });

  it('refuses a HOST that is not an IP address', () => {
    expect(() => loadConfig({ HOST: 'my-laptop' })).toThrow(ConfigError);
    try {
      loadConfig({ HOST: 'my-laptop' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'HOST: must be an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)',
      ]);
    }
  });

  it('binds the server where HOST says', async () => {
    const server = createHttpServer(express(), logger);
    try {
      const address: AddressInfo = await listen(server, apiListenOptions(loadConfig({ PORT: '0' })));
      expect(address.address).toBe('127.0.0.1');
      expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
      expect(address.port).toBeGreaterThan(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects, not crashes, when the port is taken', async () => {
    const first = createHttpServer(express(), logger);
    const second = createHttpServer(express(), logger);
    try {
      const { port } = await listen(first, { host: '127.0.0.1', port: 0 });
      await expect(listen(second, { host: '127.0.0.1', port })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${port}: the port is in use (set PORT to a free one)`,
      );
    } finally {
      await new Promise((resolve) => first.close(resolve));
    }
  });

  it('describes the address as it is', () => {
    expect(describeListening({ host: '127.0.0.1', port: 3000 })).toBe('http://127.0.0.1:3000 (loopback only)');
    expect(describeListening({ host: '::1', port: 3000 })).toBe('http://[::1]:3000 (loopback only)');
    expect(describeListening({ host: '0.0.0.0', port: 3000 })).toBe(
      'http://127.0.0.1:3000 (all interfaces, 0.0.0.0:3000: reachable from the network)',
    );
    expect(describeListening({ host: '::', port: 3000 })).toBe(
      'http://127.0.0.1:3000 (all interfaces, [::]:3000: reachable from the network)',
    );
    expect(describeListening({ host: '10.1.2.3', port: 3000 })).toBe('http://10.1.2.3:3000 (this address only)');
  });
});

describe('the start-up banner', () => {
  it('says the API is on loopback only by default', () => {
    const banner = startBanner(loadConfig({ PORT: '3000' }));
    expect(banner).toContain('  API            http://127.0.0.1:3000 (loopback only)\n');
    expect(banner).toContain('  Health         http://127.0.0.1:3000/status\n');
    expect(banner).toContain('  Admin          http://127.0.0.1:3000/admin   (disabled: ADMIN_TOKEN not set)\n');
  });

  it('says the API, and the admin with it, is reachable from the network with HOST=0.0.0.0', () => {
    const banner = startBanner(loadConfig({ PORT: '3000', HOST: '0.0.0.0', ADMIN_TOKEN: 'a'.repeat(32) }));
    expect(banner).toContain(
      '  API            http://127.0.0.1:3000 (all interfaces, 0.0.0.0:3000: reachable from the network)\n',
    );
    expect(banner).toContain('  Admin          http://127.0.0.1:3000/admin\n');
  });
});

describe('where the service runs in a container', () => {
  it('the image listens on every interface (the platform routes to the container)', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.split(/^FROM .* AS runtime$/m)[1] ?? '';
    expect(runtimeStage).toMatch(/^ENV [^\n]*(\\\n[^\n]*)*\bHOST=0\.0\.0\.0\b/m);
  });

  it('docker compose sets HOST=0.0.0.0 for the API (published on 127.0.0.1 of the host only)', () => {
    const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: { api: { environment: Record<string, string>; ports: string[] } };
    };
    expect(compose.services.api.environment.HOST).toBe('0.0.0.0');
    expect(compose.services.api.ports).toEqual(['127.0.0.1:3000:3000']);
  });

  it('the Kubernetes ConfigMap sets HOST=0.0.0.0 (kubelet probes and the Service reach the pod IP)', () => {
    const file = path.join(ROOT, 'deploy', 'kubernetes', 'base', 'configmap.yaml');
    const [configMap] = parseAllDocuments(readFileSync(file, 'utf8')).map(
      (doc) => doc.toJS() as { data: Record<string, string> },
    );
    expect(configMap!.data.HOST).toBe('0.0.0.0');
  });
});
