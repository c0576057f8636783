/**
 * Applies and creates migrations through Prisma's own schema engine compiled to
 * WebAssembly (@prisma/schema-engine-wasm) on the pg driver adapter, so no native
 * engine download is needed. It records `_prisma_migrations` exactly as
 * `prisma migrate deploy` does, and the folders keep Prisma's normal layout, so
 * users who have the native engine can run `npx prisma migrate deploy` instead.
 *
 * The engine is an ES module importing a .wasm file: the process must run with
 * `node --experimental-wasm-modules` (the npm scripts and the image's migrate command do).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import { parseDatabaseUrl } from './url';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };
import { PACKAGE_ROOT } from '../package-root';

export const PRISMA_DIR = path.join(PACKAGE_ROOT, 'prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Migration folder names on disk, oldest first. */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

function loadMigrationList(dir = MIGRATIONS_DIR): MigrationList {
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: migrationNames(dir).map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

type QueryResultFields = { fields: Array<{ dataTypeID: number }> };
type RawResult = { columnTypes: number[] };
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The schema engine's catalog queries return PostgreSQL's one-byte `"char"`
 * type (OID 18, e.g. pg_constraint.contype), which @prisma/adapter-pg 7.10 does
 * not map ("Column type 'char' could not be deserialized") while the engine
 * expects it as a Character column. pg hands the values over as strings: read
 * them as text, then tell the engine those columns are Character.
 */
function readsCharColumns<T extends object>(adapter: T): T {
  // performIO/queryRaw are methods of the adapter's JS class; there is no public hook for result column types.
  const target = adapter as unknown as {
    performIO(query: object): Promise<QueryResultFields>;
    queryRaw(query: object): Promise<RawResult>;
  };
  const charColumnsByQuery = new WeakMap<object, number[]>();
  const performIO = target.performIO.bind(adapter);
  const queryRaw = target.queryRaw.bind(adapter);
  target.performIO = async (query) => {
    const result = await performIO(query);
    const charColumns: number[] = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    if (charColumns.length > 0) charColumnsByQuery.set(query, charColumns);
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumnsByQuery.get(query) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  return adapter;
}

/**
 * The pg adapter factory, remembering every connection it opens so all are
 * closed when the command ends (the engine does not dispose them, and an idle
 * pool left open crashes the process when the server later stops). The shadow
 * database is ours too: PrismaPg's own drops it while its pool is still
 * connected, which PostgreSQL refuses.
 */
function trackedPgFactory(databaseUrl: string) {
  // The whole URL (TLS, options, schema…), as the service itself connects; as fields, because the shadow
  // database below overrides `database`, which a connectionString would mask.
  const target = parseDatabaseUrl(databaseUrl);
  const config = target.pool;
  const adapterOptions = { onPoolError: () => undefined, ...(target.schema ? { schema: target.schema } : {}) };
  const inner = new PrismaPg(config, adapterOptions);
  type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;
  const opened: Adapter[] = [];
  const connect = async (): Promise<Adapter> => {
    const adapter = readsCharColumns(await inner.connect());
    opened.push(adapter);
    return adapter;
  };
  const connectToShadowDb = async (): Promise<Adapter> => {
    const database = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, '')}`;
    const admin = new pg.Client(config);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const shadow = new PrismaPg({ ...config, database }, adapterOptions);
    const adapter = readsCharColumns(await shadow.connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      const dropper = new pg.Client(config);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await dropper.end();
    };
    opened.push(adapter);
    return adapter;
  };
  const factory = { provider: 'postgres' as const, adapterName: inner.adapterName, connect, connectToShadowDb };
  const closeAll = async () => {
    for (const adapter of opened.splice(0)) await adapter.dispose().catch(() => undefined);
  };
  return { factory, closeAll };
}

async function withEngine<T>(
  databaseUrl: string,
  run: (engine: SchemaEngine, schema: string) => Promise<T>,
): Promise<T> {
  // The engine reports a Rust panic's message through this global before throwing.
  const panics: string[] = [];
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message: (message: string) => {
      panics.push(message);
      if (process.env.SCHEMA_ENGINE_DEBUG) process.stderr.write(`schema engine panic: ${message}\n`);
    },
  };
  const { SchemaEngine } = await import('@prisma/schema-engine-wasm');
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const { factory, closeAll } = trackedPgFactory(databaseUrl);
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(factory);
  const engineLog = (line: string): void => {
    if (process.env.SCHEMA_ENGINE_DEBUG) process.stderr.write(`${line}\n`);
  };
  const engine = await SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, engineLog, adapterFactory);
  try {
    return await run(engine, schema);
  } catch (error) {
    if (panics.length > 0) throw new Error(`schema engine panicked: ${panics.join('; ')}`, { cause: error });
    throw error;
  } finally {
    engine.free();
    await closeAll();
  }
}

/** Applies every migration (of `dir`: the project's by default) not yet applied; returns the names it applied. */
export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const output = await engine.applyMigrations({ migrationsList: loadMigrationList(dir), filters: NO_FILTERS });
    return output.appliedMigrationNames;
  });
}

/**
 * The SQL that would bring a database built from the migrations up to
 * schema.prisma; empty when they agree (no drift). Uses a throw-away shadow
 * database, so the role needs CREATEDB.
 */
export async function diffMigrationsToSchema(databaseUrl: string): Promise<string> {
  return withEngine(databaseUrl, async (engine, schema) => {
    const migrations = loadMigrationList();
    const from =
      migrations.migrationDirectories.length === 0
        ? { tag: 'empty' as const }
        : { tag: 'migrations' as const, ...migrations };
    const result = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = result.stdout ?? '';
    return /^\s*(--[^\n]*\n\s*)*-- This is an empty migration\.\s*$/.test(sql) || sql.trim() === '' ? '' : sql;
  });
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql from the drift; returns its folder, or null when there is none. */
export async function createMigration(databaseUrl: string, name: string): Promise<string | null> {
  const sql = await diffMigrationsToSchema(databaseUrl);
  if (sql === '') return null;
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ]/g, '')
    .slice(0, 14);
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '') || 'migration';
  const folder = path.join(MIGRATIONS_DIR, `${stamp}_${slug}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'migration.sql'), sql);
  const lockPath = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
  if (!existsSync(lockPath)) {
    writeFileSync(
      lockPath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return folder;
}
