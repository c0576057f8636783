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
    expect(keys).toEqual(expect.arrayContaining(['PORT', 'WORKERS', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'EVENT_MAX_ATTEMPTS']));
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
    expect(loadConfig({ APPDIRECT_MARKETPLACE_URLS: 'https://market.example/path, http://127.0.0.1:8080' }).appdirect.marketplaceOrigins).toEqual([
      'https://market.example',
      'http://127.0.0.1:8080',
    ]);
    expect(problemsOf({ APPDIRECT_MARKETPLACE_URLS: 'ftp://files.example' })).toEqual([
      "APPDIRECT_MARKETPLACE_URLS: 'ftp://files.example' is not an http(s) URL",
    ]);
  });
});
