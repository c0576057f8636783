/**
 * The fake marketplace in a process of its own, so its answers do not queue
 * behind the load generator's event loop. Serves a generic event for any token
 * (BENCH_EVENT=order|assign), prints `ready <origin>`; SIGTERM stops it.
 */
import { FakeMarketplace } from '../tools/fake-marketplace/server';

async function main(): Promise<void> {
  const kind = process.env.BENCH_EVENT ?? 'order';
  const accounts = (process.env.BENCH_ACCOUNTS ?? '').split(',').filter(Boolean);
  const marketplace = await new FakeMarketplace({
    consumer: process.env.BENCH_CONSUMER_KEY
      ? { key: process.env.BENCH_CONSUMER_KEY, secret: process.env.BENCH_CONSUMER_SECRET ?? '' }
      : undefined,
    client: process.env.BENCH_CLIENT_ID
      ? { id: process.env.BENCH_CLIENT_ID, secret: process.env.BENCH_CLIENT_SECRET ?? '' }
      : undefined,
    fallbackEvent: (token) => {
      if (kind === 'assign' && accounts.length > 0) {
        const n = Number(token.split('-').pop() ?? 0);
        return {
          type: 'USER_ASSIGNMENT',
          payload: {
            account: { accountIdentifier: accounts[n % accounts.length] },
            user: { uuid: `u-${token}`, email: `${token}@bench.example` },
          },
        };
      }
      return {
        type: 'SUBSCRIPTION_ORDER',
        creator: { uuid: `u-${token}`, email: `${token}@bench.example` },
        payload: {
          company: { uuid: `c-${token}`, name: 'Bench Inc' },
          order: { editionCode: 'PRO', items: [{ unit: 'USER', quantity: 100000 }] },
        },
      };
    },
  }).start(Number(process.env.PORT ?? 0));
  // Results are only counted, not kept, so long runs do not grow memory.
  const seen = new Set<string>();
  setInterval(() => {
    for (const result of marketplace.results.splice(0)) seen.add(result.token);
    process.send?.({ results: seen.size });
  }, 100).unref();
  process.stdout.write(`ready ${marketplace.origin}\n`);
  process.on('SIGTERM', () => void marketplace.stop().then(() => process.exit(0)));
}

void main();
