import { MicroBatch } from '../../src/batching/micro-batch';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending callbacks, the batch's `finally` and its next setImmediate run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((r) => setImmediate(r));
}

describe('MicroBatch', () => {
  it('sends the items submitted in one turn of the event loop together, and answers each in order', async () => {
    const batches: number[][] = [];
    const batch = new MicroBatch<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 10);
    });
    const answers = await Promise.all([1, 2, 3].map((n) => batch.submit(n)));
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('rejects only the item whose outcome is an Error', async () => {
    const batch = new MicroBatch<number, number>(async (items) => items.map((n) => (n === 2 ? new Error('two') : n)));
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batch.submit(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('two'));
  });

  it('rejects every item of a batch that throws, and keeps working afterwards', async () => {
    let fail = true;
    const batch = new MicroBatch<number, number>(async (items) => {
      if (fail) throw new Error('database away');
      return items;
    });
    const settled = await Promise.allSettled([1, 2].map((n) => batch.submit(n)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    fail = false;
    await expect(batch.submit(3)).resolves.toBe(3);
  });

  it('with retryAlone, runs the items of a failed batch one by one so only the bad one fails', async () => {
    const calls: number[][] = [];
    const batch = new MicroBatch<number, void>(
      async (items) => {
        calls.push(items);
        if (items.includes(2)) throw new Error('cannot store 2');
        return items.map(() => undefined);
      },
      { retryAlone: (error) => (error as Error).message !== 'database away' },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batch.submit(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('cannot store 2'));
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('does not retry alone when retryAlone refuses the error (every item would fail anyway)', async () => {
    let calls = 0;
    const batch = new MicroBatch<number, number>(
      async () => {
        calls += 1;
        throw new Error('database away');
      },
      { retryAlone: (error) => (error as Error).message !== 'database away' },
    );
    const settled = await Promise.allSettled([1, 2].map((n) => batch.submit(n)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });

  it('rejects the whole batch when the outcomes do not match the items', async () => {
    const batch = new MicroBatch<number, number>(async () => [1]);
    const settled = await Promise.allSettled([1, 2].map((n) => batch.submit(n)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
  });

  it('splits at maxBatch and keeps at most maxInFlight batches running; later items wait and go together', async () => {
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    const batches: number[][] = [];
    const batch = new MicroBatch<number, number>(
      async (items) => {
        batches.push(items);
        const gate = deferred<void>();
        gates.push(gate);
        await gate.promise;
        return items;
      },
      { maxBatch: 2, maxInFlight: 2 },
    );
    const first = [1, 2, 3, 4, 5, 6].map((n) => batch.submit(n));
    await settle();
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]); // two in flight, [5, 6] waits
    const later = [7].map((n) => batch.submit(n));
    gates[0]!.resolve();
    await first[1];
    await settle();
    expect(batches[2]).toEqual([5, 6]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all(first);
    await settle();
    expect(batches[3]).toEqual([7]);
    gates[3]!.resolve();
    await expect(Promise.all(later)).resolves.toEqual([7]);
  });
});
