/**
 * What one SQL statement costs the worker, by the way it is sent (issue 13: the worker's CPU per event is
 * close to its number of statements times this). The same small statements — find a seat by key, then
 * insert a row — run N times each way, one after the other on one connection, and the process's own CPU
 * per statement is printed (µs, user + system; PostgreSQL's CPU is not counted):
 *  - a Prisma model query (`findUnique`, `create`), as most of the hot path sends them;
 *  - Prisma's `$queryRaw` with the same SQL;
 *  - `pg` directly, as a named prepared statement;
 *  - each of the above inside an interactive transaction (`$transaction(async tx => …)`), per statement.
 * Median of BENCH_ROUNDS alternating rounds.
 */
import pg from 'pg';
import { createPrisma } from '../src/db/client';
import { runMain, saveResult, startInfra, table } from './support';

const N = Number(process.env.BENCH_STATEMENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
  const infra = await startInfra();
  try {
    const url = await infra.newDatabase('bench_statement_cost');
    const prisma = createPrisma(url, { poolSize: 1 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO users (id, uuid, email, "updatedAt") VALUES ('u0', 'uuid-0', 'a@b.c', now())`);
    let n = 0;
    const cpuPerStatement = async (run: () => Promise<unknown>, statements: number): Promise<number> => {
      for (let i = 0; i < 200; i += 1) await run(); // warm-up (JIT, prepared statements)
      const before = process.cpuUsage();
      for (let i = 0; i < N; i += 1) await run();
      const used = process.cpuUsage(before);
      return Math.round(((used.user + used.system) / N / statements) * 10) / 10;
    };
    const ways: Record<string, () => Promise<unknown>> = {
      'Prisma model query': async () => {
        await prisma.user.findUnique({ where: { uuid: 'uuid-0' }, select: { id: true } });
        await prisma.eventAttempt.count({ where: { eventSeq: BigInt(n++) } });
      },
      'Prisma $queryRaw': async () => {
        await prisma.$queryRaw`SELECT id FROM users WHERE uuid = ${'uuid-0'}`;
        await prisma.$queryRaw`SELECT count(*) FROM event_attempts WHERE "eventSeq" = ${BigInt(n++)}`;
      },
      'pg prepared statement': async () => {
        await client.query({ name: 'u', text: 'SELECT id FROM users WHERE uuid = $1', values: ['uuid-0'] });
        await client.query({
          name: 'c',
          text: 'SELECT count(*) FROM event_attempts WHERE "eventSeq" = $1',
          values: [String(n++)],
        });
      },
      'Prisma $transaction + 2 model queries': () =>
        prisma.$transaction(async (tx) => {
          await tx.user.findUnique({ where: { uuid: 'uuid-0' }, select: { id: true } });
          await tx.eventAttempt.count({ where: { eventSeq: BigInt(n++) } });
        }),
      'pg BEGIN + 2 prepared + COMMIT': async () => {
        await client.query('BEGIN');
        await client.query({ name: 'u', text: 'SELECT id FROM users WHERE uuid = $1', values: ['uuid-0'] });
        await client.query({
          name: 'c',
          text: 'SELECT count(*) FROM event_attempts WHERE "eventSeq" = $1',
          values: [String(n++)],
        });
        await client.query('COMMIT');
      },
    };
    const statementsOf = (name: string) => (name.includes('BEGIN') || name.includes('$transaction') ? 4 : 2);
    const results: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, run] of Object.entries(ways)) {
        (results[name] ??= []).push(await cpuPerStatement(run, statementsOf(name)));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const pgCost = median(results['pg prepared statement']!);
    const rows = Object.entries(results).map(([name, xs]) => ({
      'sent as': name,
      'worker CPU µs per statement (median)': median(xs),
      'vs pg prepared': (median(xs) / pgCost).toFixed(1),
      range: `${Math.min(...xs)}-${Math.max(...xs)}`,
    }));
    console.log(`CPU per statement in the sending process, ${N} iterations, ${ROUNDS} rounds`);
    console.log(table(rows));
    saveResult('statement-cost', { statements: N, rounds: ROUNDS, results });
    await client.end();
    await prisma.$disconnect();
  } finally {
    await infra.stop();
  }
}

runMain(main);
