/**
 * Micro-batching: calls that arrive while the event loop is busy are answered by
 * one round trip instead of one each. Items queue up until the current turn of
 * the event loop ends (setImmediate), then go out together, at most `maxBatch`
 * per flush and at most `maxInFlight` flushes at a time; further items wait for
 * a flush to finish. Under light load a batch is one item and costs one
 * setImmediate of latency; under load it cuts statements, commits and socket
 * writes per item.
 *
 * `run` gets the items and must return one outcome per item, in order: a value,
 * or an Error for that item alone. A thrown error fails the whole batch (unless
 * `retryAlone` sends its items through one at a time).
 */
export type BatchOutcome<R> = R | Error;

export interface MicroBatchOptions {
  readonly maxBatch?: number;
  readonly maxInFlight?: number;
  /**
   * When a batch of several items throws and this returns true for the error, each item is run
   * alone, so one item the statement cannot take (bad input) fails by itself instead of failing
   * every caller batched with it. Return false for errors that would fail each item anyway
   * (the database is down).
   */
  readonly retryAlone?: (error: unknown) => boolean;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

export class MicroBatch<T, R> {
  private readonly queue: Array<Pending<T, R>> = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly retryAlone: (error: unknown) => boolean;

  constructor(
    private readonly run: (items: T[]) => Promise<Array<BatchOutcome<R>>>,
    options: MicroBatchOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.retryAlone = options.retryAlone ?? (() => false);
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.flush(this.queue.splice(0, this.maxBatch));
    });
  }

  /** `run`, with a synchronous throw turned into a rejection and, where allowed, a failed batch retried item by item. */
  private async runItems(items: T[]): Promise<Array<BatchOutcome<R>>> {
    try {
      return await this.run(items);
    } catch (error) {
      if (items.length < 2 || !this.retryAlone(error)) throw error;
      return Promise.all(
        items.map(async (item) => {
          try {
            const outcomes = await this.run([item]);
            return outcomes.length === 1
              ? (outcomes[0] as BatchOutcome<R>)
              : new Error(`micro-batch: ${outcomes.length} outcomes for 1 item`);
          } catch (itemError) {
            return itemError instanceof Error ? itemError : new Error(String(itemError));
          }
        }),
      );
    }
  }

  private flush(batch: Array<Pending<T, R>>): void {
    this.inFlight += 1;
    this.runItems(batch.map((pending) => pending.item))
      .then((results) => {
        if (results.length !== batch.length)
          throw new Error(`micro-batch: ${results.length} outcomes for ${batch.length} items`);
        batch.forEach((pending, index) => {
          const outcome = results[index] as BatchOutcome<R>;
          if (outcome instanceof Error) pending.reject(outcome);
          else pending.resolve(outcome);
        });
      })
      .catch((error: unknown) => {
        for (const pending of batch) pending.reject(error);
      })
      .finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
  }
}
