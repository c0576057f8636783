/** Faults injected into the real database, for tests of how failures are classed. */
import type { PrismaClient } from '../../src/db/client';

/**
 * A trigger that makes every INSERT of an account for `companyName` raise `message` with the given
 * SQLSTATE condition name (e.g. `serialization_failure` is transient, `check_violation` is not).
 */
export async function refuseAccountsOf(
  prisma: PrismaClient,
  companyName: string,
  condition: string,
  message: string,
): Promise<void> {
  const name = `refuse_${companyName.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
  await prisma.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN
      IF NEW."companyName" = '${companyName.replace(/'/g, "''")}' THEN
        RAISE EXCEPTION '${message.replace(/'/g, "''")}' USING ERRCODE = '${condition}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await prisma.$executeRawUnsafe(
    `CREATE TRIGGER ${name} BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION ${name}()`,
  );
}
