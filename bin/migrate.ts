/**
 * npm run db:migrate                      apply pending migrations to MIGRATION_DATABASE_URL, else DATABASE_URL
 * npm run db:migrate -- --check           exit 1 if schema.prisma and the migrations disagree
 * npm run db:migration:create -- <name>   write a new migration from schema.prisma
 *
 * With DATABASE_URL unset, the embedded PostgreSQL under DATA_DIR is started for
 * the duration of the command.
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../src/runtime/refuse-unsupported-node';
import { loadConfig } from '../src/config';
import { applyMigrations, createMigration, diffMigrationsToSchema } from '../src/db/migrations';
import { databaseRefusalReason } from '../src/db/reason';
import { startEmbeddedPostgres } from '../src/runtime/embedded-postgres';

async function main(): Promise<number> {
  const config = loadConfig();
  const args = process.argv.slice(2);
  // Migrations run as the owner role when MIGRATION_DATABASE_URL is set; the app role may have DML rights only.
  const configured = config.migrationDatabaseUrl ?? config.databaseUrl;
  const embedded = configured ? null : await startEmbeddedPostgres(config.dataDir);
  const databaseUrl = configured ?? embedded!.url;
  try {
    if (args[0] === '--create') {
      const folder = await createMigration(databaseUrl, args[1] ?? 'migration');
      console.log(folder ? `Created ${folder}` : 'schema.prisma matches the migrations; nothing to create.');
      return 0;
    }
    if (args[0] === '--check') {
      const sql = await diffMigrationsToSchema(databaseUrl);
      if (sql === '') {
        console.log('The migrations produce exactly schema.prisma.');
        return 0;
      }
      console.error(
        `schema.prisma differs from the migrations; run \`npm run db:migration:create -- <name>\`:\n${sql}`,
      );
      return 1;
    }
    const applied = await applyMigrations(databaseUrl);
    console.log(
      applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.',
    );
    return 0;
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(databaseRefusalReason(error) ?? (error instanceof Error ? error.message : error));
    process.exit(1);
  },
);
