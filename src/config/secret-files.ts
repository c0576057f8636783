import { readFileSync } from 'node:fs';

/**
 * Variables that may carry a secret. Each may instead be given as `<NAME>_FILE`, the path of a file holding
 * the value (Docker and Kubernetes secrets are mounted as files); one trailing newline is dropped.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'ADMIN_TOKEN',
  'APPDIRECT_CONSUMER_KEY',
  'APPDIRECT_CONSUMER_SECRET',
  'APPDIRECT_CONSUMER_CREDENTIALS',
  'APPDIRECT_BASIC_USERNAME',
  'APPDIRECT_BASIC_PASSWORD',
  'APPDIRECT_OAUTH2_CLIENT_ID',
  'APPDIRECT_OAUTH2_CLIENT_SECRET',
  'APPDIRECT_CLIENT_ID',
  'APPDIRECT_CLIENT_SECRET',
  'HTTPS_PROXY',
  'HTTP_PROXY',
] as const;

/**
 * `env` with every `<NAME>_FILE` of a secret variable replaced by `<NAME>` read from that file. Problems
 * (unreadable file; `<NAME>` also set to a different value) are returned, not thrown, so they are reported
 * with the other configuration problems.
 */
export function resolveSecretFiles(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; problems: string[] } {
  const resolved: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined) continue;
    delete resolved[`${name}_FILE`];
    let value: string;
    try {
      value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    if (env[name] !== undefined && env[name] !== value) {
      problems.push(`${name}_FILE: ${name} is set too, to another value; set one of them`);
      continue;
    }
    resolved[name] = value;
  }
  return { env: resolved, problems };
}
