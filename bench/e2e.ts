/**
 * End to end: events applied and reported per second with 1, 2 and 4 worker
 * processes, against raw BullMQ no-op jobs on the same Redis in the same run.
 *
 * Each event: a notification (Basic), inline fetch, record, enqueue; a worker
 * applies it (a USER_ASSIGNMENT on one of many accounts) in one transaction with
 * its result, and POSTs the result to the fake marketplace. Measured from the
 * first notification to the last result received.
 */
import { rawBullmq, runService } from './e2e-lib';
import { runMain, saveResult, startInfra, table } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 32);

async function main(): Promise<void> {
  const infra = await startInfra();
  const rows: Array<Record<string, string | number>> = [];
  const results: Record<string, unknown> = {};
  try {
    console.log(`e2e: ${EVENTS} USER_ASSIGNMENT events over ${ACCOUNTS} accounts, ${SENDERS} concurrent senders, worker concurrency 8`);
    for (const workers of WORKER_COUNTS) {
      const raw = await rawBullmq(infra.redisUrl, workers, EVENTS);
      const ours = await runService(infra, { name: `e2e_${workers}`, workers, events: EVENTS, accounts: ACCOUNTS, senders: SENDERS });
      const ratio = ours.eventsPerSecond / raw;
      results[`workers_${workers}`] = { rawBullmqPerSecond: raw, eventsPerSecond: ours.eventsPerSecond, notificationsPerSecond: ours.notificationsPerSecond, ratio, cpuMicrosPerEvent: ours.cpuMicrosPerEvent };
      rows.push({
        'worker processes': workers,
        'raw BullMQ no-op jobs/s': raw,
        'events applied+reported/s': ours.eventsPerSecond,
        'notifications accepted/s': ours.notificationsPerSecond,
        ratio: ratio.toFixed(3),
        'API CPU µs/event': ours.cpuMicrosPerEvent.api,
        'worker CPU µs/event': ours.cpuMicrosPerEvent.workers,
      });
      console.log(table(rows.slice(-1)));
    }
    console.log(`\n${table(rows)}\n(target: ratio >= 0.3)`);
    console.log(`wrote ${saveResult('e2e', { events: EVENTS, accounts: ACCOUNTS, senders: SENDERS, results })}`);
  } finally {
    await infra.stop();
  }
}

runMain(main);
