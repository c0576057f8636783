import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toMatch(/\.data$/);
    expect(config.workers).toBe(1);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminTokens).toEqual([]);
    expect(config.appdirect.marketplaceOrigins).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad key at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      WORKERS: '-2',
      DATABASE_URL: 'mysql://db/app',
      REDIS_URL: 'not a url',
      LOG_LEVEL: 'loud',
      EVENT_MAX_ATTEMPTS: '0',
    });
    const keys = problems.map((problem) => problem.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining(['PORT', 'WORKERS', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'EVENT_MAX_ATTEMPTS']),
    );
    expect(problems).toHaveLength(6);
  });

  it('rejects a secret that is set but empty', () => {
    expect(problemsOf({ ADMIN_TOKEN: '' })).toEqual(['ADMIN_TOKEN: is set but empty; unset it or give it a value']);
  });

  it('requires both halves of a credential pair', () => {
    expect(problemsOf({ APPDIRECT_BASIC_USERNAME: 'appdirect' })).toEqual([
      'APPDIRECT_BASIC_PASSWORD: required when APPDIRECT_BASIC_USERNAME is set',
    ]);
  });

  it('keeps marketplace URLs as origins and rejects non-http ones', () => {
    expect(
      loadConfig({ APPDIRECT_MARKETPLACE_URLS: 'https://market.example/path, http://127.0.0.1:8080' }).appdirect
        .marketplaceOrigins,
    ).toEqual(['https://market.example', 'http://127.0.0.1:8080']);
    expect(problemsOf({ APPDIRECT_MARKETPLACE_URLS: 'ftp://files.example' })).toEqual([
      "APPDIRECT_MARKETPLACE_URLS: 'ftp://files.example' is not an http(s) URL",
    ]);
  });

  it('refuses an admin token shorter than 32 characters, saying how to make one', () => {
    expect(problemsOf({ ADMIN_TOKEN: 'change-me' })).toEqual([
      "ADMIN_TOKEN: the token of 'admin' has 9 characters; use at least 32 (openssl rand -hex 32)",
    ]);
    expect(loadConfig({ ADMIN_TOKEN: `ops:${'x'.repeat(32)}` }).adminTokens).toEqual([
      { name: 'ops', token: 'x'.repeat(32) },
    ]);
  });

  describe('secrets from files (<NAME>_FILE)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'adp-secrets-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the value from the file, without its trailing newline', () => {
      const file = path.join(dir, 'database-url');
      writeFileSync(file, 'postgresql://app:s3cret@db:5432/app\n');
      const tokenFile = path.join(dir, 'admin-token');
      writeFileSync(tokenFile, `${'t'.repeat(40)}\n`);
      const config = loadConfig({ DATABASE_URL_FILE: file, ADMIN_TOKEN_FILE: tokenFile });
      expect(config.databaseUrl).toBe('postgresql://app:s3cret@db:5432/app');
      expect(config.adminTokens).toEqual([{ name: 'admin', token: 't'.repeat(40) }]);
    });

    it('validates a value read from a file like any other', () => {
      const file = path.join(dir, 'redis-url');
      writeFileSync(file, 'not a url');
      expect(problemsOf({ REDIS_URL_FILE: file }).map((p) => p.split(':')[0])).toEqual(['REDIS_URL']);
    });

    it('names an unreadable file and a conflicting plain variable', () => {
      const file = path.join(dir, 'secret');
      writeFileSync(file, 'from-file');
      expect(
        problemsOf({ APPDIRECT_BASIC_USERNAME: 'u', APPDIRECT_BASIC_PASSWORD_FILE: path.join(dir, 'missing') }),
      ).toEqual([
        `APPDIRECT_BASIC_PASSWORD_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`,
        'APPDIRECT_BASIC_PASSWORD: required when APPDIRECT_BASIC_USERNAME is set',
      ]);
      expect(
        problemsOf({ APPDIRECT_CLIENT_ID: 'id', APPDIRECT_CLIENT_SECRET: 'other', APPDIRECT_CLIENT_SECRET_FILE: file }),
      ).toEqual([
        'APPDIRECT_CLIENT_SECRET_FILE: APPDIRECT_CLIENT_SECRET is set too, to another value; set one of them',
      ]);
    });
  });
});
