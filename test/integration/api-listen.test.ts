/**
 * The API process (`npm run api`) as operators start it, without HOST: its listening socket is on loopback,
 * read from the kernel's socket table, and its log says so. (Only loopback is bound in tests; the wildcard
 * is covered by the computed listen options in test/unit/listen-address.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stopChild } from '../../src/runtime/child';
import { findFreePort } from '../../src/runtime/ports';
import { createTestDatabase, redisUrl, type TestDatabase } from '../support/infra';
import { eventually } from '../support/workers';

const ROOT = path.resolve(__dirname, '..', '..');

/** Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6 (Linux). */
function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [hex = '', portHex = ''] = local.split(':');
      if (parseInt(portHex, 16) !== port) continue;
      if (hex.length === 8) {
        // IPv4, little-endian bytes
        addresses.push([3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.'));
      } else {
        addresses.push(/^0+$/.test(hex) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex);
      }
    }
  }
  return addresses;
}

const socketTableReadable = existsSync('/proc/net/tcp');
if (!socketTableReadable) console.log('no /proc/net/tcp (not Linux): the bound address is checked in the unit test');

describe('the API process', () => {
  let db: TestDatabase;
  let api: ChildProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (api) await stopChild(api, 10_000);
    await db.drop();
  });

  (socketTableReadable ? it : it.skip)(
    'listens on 127.0.0.1 only when HOST is unset, and logs that address',
    async () => {
      const port = await findFreePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl(),
        PORT: String(port),
      };
      delete env.HOST;
      env.LOG_LEVEL = 'info';
      api = spawn(process.execPath, ['--import', 'tsx', 'src/http/server.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await eventually(async () => output.includes('API listening'), 30_000);
      expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
      expect(output).toContain(`API listening on http://127.0.0.1:${port} (loopback only)`);
    },
    45_000,
  );
});
