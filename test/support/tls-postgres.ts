/**
 * A throw-away PostgreSQL from Debian's packages set up as managed services are: TLS only (`ssl = on`, a
 * pg_hba.conf with `hostssl` lines alone, a certificate from a private CA made here with openssl), password
 * (SCRAM) authentication. And Debian's PgBouncer in transaction pooling mode in front of it.
 *
 * PostgreSQL and PgBouncer refuse to run as root: as root (CI containers) every command runs as the
 * `postgres` user the Debian package creates, via runuser, in a directory that user owns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { stopChild } from '../../src/runtime/child';
import { findFreePort, waitForPort } from '../../src/runtime/ports';

export const SUPERUSER_PASSWORD = 'super-secret-pw';

/** Where Debian keeps PostgreSQL's server binaries (newest version), or null when not installed. */
export function debianPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

export const pgbouncerInstalled = (): boolean => !spawnSync('pgbouncer', ['--version'], { stdio: 'ignore' }).error;

/** Why these tests cannot run here, or null. */
export function tlsPostgresUnavailable(): string | null {
  if (!debianPostgresBin()) return 'Debian postgresql is not installed (apt-get install postgresql)';
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).error) return 'openssl is not installed';
  if (userInfo().uid === 0 && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0)
    return 'running as root and there is no postgres user';
  return null;
}

const asRoot = userInfo().uid === 0;

/** Runs a command as the server's user and throws with its output when it fails. */
function run(command: string, args: string[], cwd: string): string {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { cwd, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function spawnAsServerUser(command: string, args: string[], cwd: string): ChildProcess {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Writes a file the server's user owns (and only it can read, for keys and passwords). */
function writeOwned(file: string, content: string, mode = 0o600): void {
  writeFileSync(file, content, { mode });
  if (asRoot) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim();
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim();
    chownSync(file, Number(uid), Number(gid));
  }
}

export interface Certificates {
  /** The CA that signed the server certificate (give as sslrootcert). */
  readonly caFile: string;
  /** Another CA, which did not sign it (a failing verification). */
  readonly otherCaFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A private CA and a server certificate for localhost / 127.0.0.1 signed by it, as made by openssl. */
function makeCertificates(dir: string): Certificates {
  const days = ['-days', '2'];
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=adp test CA',
      ...days,
    ],
    dir,
  );
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other-ca.key',
      '-out',
      'other-ca.crt',
      '-subj',
      '/CN=another CA',
      ...days,
    ],
    dir,
  );
  run(
    'openssl',
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'],
    dir,
  );
  writeOwned(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n', 0o644);
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-extfile',
      'san.ext',
      ...days,
    ],
    dir,
  );
  return {
    caFile: path.join(dir, 'ca.crt'),
    otherCaFile: path.join(dir, 'other-ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
  };
}

/** A temporary directory (owned by the server user) with a private CA and a certificate for localhost signed by it. */
export function makeTestCertificates(prefix = 'adp-tls-'): { dir: string; certificates: Certificates } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  return { dir, certificates: makeCertificates(dir) };
}

export interface TlsPostgres {
  readonly dir: string;
  readonly port: number;
  readonly certificates: Certificates;
  /** `postgresql://user:password@127.0.0.1:port/database?…` */
  url(user: string, password: string, database: string, query?: string): string;
  stop(): Promise<void>;
}

/** initdb into a temporary directory, TLS only, started on a free loopback port. */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const bin = debianPostgresBin()!;
  const { dir, certificates } = makeTestCertificates('adp-tls-pg-');
  writeOwned(path.join(dir, 'pwfile'), `${SUPERUSER_PASSWORD}\n`);
  const data = path.join(dir, 'data');
  run(
    path.join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${path.join(dir, 'pwfile')}`,
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ],
    dir,
  );
  const port = await findFreePort();
  writeOwned(
    path.join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'ssl = on',
      `ssl_cert_file = '${certificates.certFile}'`,
      `ssl_key_file = '${certificates.keyFile}'`,
      'fsync = off',
      'max_connections = 60',
      "password_encryption = 'scram-sha-256'",
      // A managed server set to local time (-8 h; the suite's own server runs at +14 h).
      "timezone = 'America/Los_Angeles'",
      '',
    ].join('\n'),
  );
  // TLS only: no `host` line, so a plaintext connection finds no pg_hba.conf entry.
  writeOwned(path.join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 scram-sha-256\n');
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', 'start'], dir);
  return {
    dir,
    port,
    certificates,
    url: (user, password, database, query = 'sslmode=require') =>
      `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`,
    stop: async () => {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface PgBouncer {
  readonly port: number;
  url(user: string, password: string, database: string, query?: string): string;
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction pooling mode in front of `postgres`: TLS on both sides (clients must use it;
 * it verifies the server against the CA), SCRAM for clients, `options` ignored (set the role's search_path).
 */
export async function startPgBouncer(postgres: TlsPostgres, users: Record<string, string>): Promise<PgBouncer> {
  const port = await findFreePort();
  const dir = postgres.dir;
  const { certificates } = postgres;
  writeOwned(
    path.join(dir, 'userlist.txt'),
    Object.entries(users)
      .map(([user, password]) => `"${user}" "${password}"`)
      .join('\n') + '\n',
  );
  writeOwned(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${postgres.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = scram-sha-256',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 4',
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      'client_tls_sslmode = require',
      `client_tls_cert_file = ${certificates.certFile}`,
      `client_tls_key_file = ${certificates.keyFile}`,
      'server_tls_sslmode = verify-ca',
      `server_tls_ca_file = ${certificates.caFile}`,
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const child = spawnAsServerUser('pgbouncer', [path.join(dir, 'pgbouncer.ini')], dir);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`pgbouncer exited with ${code}: ${output}`))),
  );
  await Promise.race([waitForPort(port, 10_000), exited]);
  child.removeAllListeners('exit');
  return {
    port,
    url: (user, password, database, query = 'sslmode=require') =>
      `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`,
    // runuser forwards the signal to pgbouncer; both are in the child's process group.
    stop: async () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await stopChild(child, 5000);
    },
  };
}
