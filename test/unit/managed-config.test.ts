/** How DATABASE_URL and the Redis variables are read (the servers themselves: test/integration/managed-*.test.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { parseRedisTarget } from '../../src/config/redis';
import { parseDatabaseUrl, searchPathOf } from '../../src/db/url';
import { databaseRefusalReason } from '../../src/db/reason';
import pino from 'pino';
import { ThrottledLog } from '../../src/logging/throttle';

describe('DATABASE_URL', () => {
  let dir: string;
  let ca: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'adp-url-'));
    ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every part: user, encoded password, host, port, database, options, application_name', () => {
    const target = parseDatabaseUrl(
      `postgresql://app:p%40ss%2Fword@db.example:6432/prov?options=${encodeURIComponent('-c search_path=prov,public')}&application_name=adp`,
    );
    expect(target.pool).toMatchObject({
      user: 'app',
      password: 'p@ss/word',
      host: 'db.example',
      port: 6432,
      database: 'prov',
      options: '-c search_path=prov,public',
      application_name: 'adp',
    });
    expect(target.schema).toBe('prov');
    expect(target.pool.ssl).toBeUndefined();
  });

  it('reads sslmode as libpq does', () => {
    expect(parseDatabaseUrl('postgresql://h/db?sslmode=disable').pool.ssl).toBeUndefined();
    expect(parseDatabaseUrl('postgresql://h/db?sslmode=require').pool.ssl).toEqual({ rejectUnauthorized: false });
    const requireWithCa = parseDatabaseUrl(`postgresql://h/db?sslmode=require&sslrootcert=${ca}`).pool.ssl as {
      ca: string;
      checkServerIdentity: unknown;
    };
    expect(requireWithCa.ca).toContain('fake');
    expect(typeof requireWithCa.checkServerIdentity).toBe('function'); // verify-ca: CA checked, host name not
    expect(() => parseDatabaseUrl('postgresql://h/db?sslmode=verify-ca')).toThrow(/verify-ca needs sslrootcert/);
    const full = parseDatabaseUrl(`postgresql://db.example/db?sslmode=verify-full&sslrootcert=${ca}`).pool
      .ssl as Record<string, unknown>;
    expect(full).toMatchObject({ servername: 'db.example' });
    expect(full.rejectUnauthorized).toBeUndefined();
    expect(full.checkServerIdentity).toBeUndefined();
  });

  it("turns schema= into the search path and Prisma's schema, and pgbouncer=true into no prepared statements", () => {
    const target = parseDatabaseUrl('postgresql://h/db?schema=provisioning&pgbouncer=true&connection_limit=7');
    expect(target.pool.options).toBe('-c search_path=provisioning');
    expect(target.schema).toBe('provisioning');
    expect(target.preparedStatements).toBe(false);
    expect(target.connectionLimit).toBe(7);
    expect(searchPathOf('-c search_path="My Schema",public')).toBe('My Schema');
  });

  it('refuses what it would otherwise drop, naming it, through loadConfig', () => {
    expect(() => parseDatabaseUrl('postgresql://h/db?sslmdoe=require')).toThrow(/does not understand: sslmdoe/);
    expect(() => parseDatabaseUrl('postgresql://h/db?sslmode=strict')).toThrow(/sslmode=strict is not one of/);
    expect(() => parseDatabaseUrl('postgresql://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem')).toThrow(
      /sslrootcert=\/nonexistent\/ca.pem cannot be read/,
    );
    try {
      loadConfig({
        DATABASE_URL: 'postgresql://h/db?sslmode=strict',
        MIGRATION_DATABASE_URL: 'postgresql://h/db?foo=1',
      });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^DATABASE_URL: sslmode=strict/),
        expect.stringMatching(/^MIGRATION_DATABASE_URL: .*foo/),
      ]);
    }
  });

  it('takes DATABASE_POOL_SIZE and MIGRATION_DATABASE_URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app@h/db',
      MIGRATION_DATABASE_URL: 'postgresql://owner@h/db',
      DATABASE_POOL_SIZE: '6',
    });
    expect(config.databasePoolSize).toBe(6);
    expect(config.migrationDatabaseUrl).toBe('postgresql://owner@h/db');
  });
});

describe('PostgreSQL refusal reasons', () => {
  it("names the server's reason and the fix, through Prisma's adapter error too", () => {
    const hba = {
      code: '28000',
      message: 'no pg_hba.conf entry for host "10.0.0.5", user "app", database "prov", no encryption',
    };
    expect(databaseRefusalReason(hba)).toMatch(
      /^PostgreSQL refused: no pg_hba.conf entry .* -- the server only accepts encrypted connections: add sslmode=require/,
    );
    const prismaShaped = {
      message: 'User was denied access on the database',
      meta: {
        driverAdapterError: {
          cause: { kind: 'DatabaseAccessDenied', originalCode: '28000', originalMessage: hba.message },
        },
      },
    };
    expect(databaseRefusalReason(prismaShaped)).toMatch(/no pg_hba.conf entry/);
    expect(
      databaseRefusalReason(
        Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      ),
    ).toMatch(/give the CA with sslrootcert/);
    expect(databaseRefusalReason({ code: '28P01', message: 'password authentication failed for user "app"' })).toMatch(
      /percent-encoded/,
    );
    expect(databaseRefusalReason(new Error('Connection terminated unexpectedly'))).toBeNull();
  });
});

describe('Redis variables', () => {
  it('reads a single server with TLS and an ACL user', () => {
    const target = parseRedisTarget({ REDIS_URL: 'rediss://provisioner:s%40cret@cache.example:6380/2' });
    expect(target).toMatchObject({
      topology: 'standalone',
      nodes: [{ host: 'cache.example', port: 6380 }],
      username: 'provisioner',
      password: 's@cret',
      db: 2,
      tls: { ca: undefined },
    });
  });

  it("reads Sentinel (the URL host as the primary's name) and Cluster (the URL host as one more seed)", () => {
    expect(
      parseRedisTarget({ REDIS_URL: 'redis://:pw@mymaster/1', REDIS_SENTINELS: '10.0.0.1:26379,[::1]:26380' }),
    ).toMatchObject({
      topology: 'sentinel',
      sentinelName: 'mymaster',
      nodes: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      password: 'pw',
      db: 1,
    });
    expect(parseRedisTarget({ REDIS_URL: 'redis://n1:7000', REDIS_CLUSTER_NODES: 'n2:7001,n3:7002' }).nodes).toEqual([
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
      { host: 'n3', port: 7002 },
    ]);
  });

  it('reports every mistake through loadConfig', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1' })).toThrow(/REDIS_URL: required with REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_URL: 'redis://h', REDIS_CLUSTER_NODES: 'a' })).toThrow(
      /REDIS_CLUSTER_NODES: 'a' is not host:port/,
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://h', REDIS_TLS_CA: '/etc/ca.pem' })).toThrow(
      /REDIS_TLS_CA: set, but REDIS_URL is not rediss/,
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://h', REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' })).toThrow(
      /set one or the other/,
    );
    expect(loadConfig({ REDIS_URL: 'redis://h:6379' }).redis).toMatchObject({ topology: 'standalone' });
  });
});

describe('throttled connection-error log', () => {
  it('logs the first error, then with doubling gaps, counting what it held back', () => {
    const lines: Array<{ msg: string; suppressed?: number }> = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; suppressed?: number }) },
    );
    let now = 0;
    const log = new ThrottledLog(logger, { now: () => now });
    // An outage: the same error every 10 ms for 10 s.
    for (now = 0; now < 10_000; now += 10) log.warn('ECONNREFUSED', { err: 'ECONNREFUSED' }, 'redis connection error');
    expect(lines.length).toBeLessThanOrEqual(5); // at 0, ~1 s, ~3 s, ~7 s (1 s, 2 s, 4 s gaps)
    expect(lines[0]).toMatchObject({ msg: 'redis connection error' });
    expect(lines[0]!.suppressed).toBeUndefined();
    expect(lines[1]!.suppressed).toBe(99);
    expect(lines.reduce((sum, line) => sum + 1 + (line.suppressed ?? 0), 0)).toBeLessThanOrEqual(1000);
  });
});
