/**
 * The callback's inbox writes, batched: notifications to record (./record.ts) and documents fetched inline to
 * store (./document.ts) that arrive while the event loop is busy go out together (src/batching/micro-batch.ts),
 * in ONE statement — the documents' UPDATE runs as a CTE of the notifications' INSERT. Under load a request
 * records its notification in the same round trip and commit that stores an earlier request's document:
 * on the default path (fetch inline) that halves the statements, and PostgreSQL spends most of a small
 * statement's CPU on its round trip and commit, not on its rows (docs/benchmarks.md, "Ingest").
 */
import { Prisma } from '../db/client';
import { isDatabaseUnavailable } from '../db/failures';
import { pooledSql, type Sql, type SqlSource } from '../db/sql';
import { MicroBatch } from '../batching/micro-batch';
import { documentsUpdate, type DocumentOptions, type DocumentRow } from './document';
import { recordNotifications, type NewNotification, type RecordOutcome, type RecordRequest } from './record';

type Write = { readonly record: RecordRequest } | { readonly document: DocumentRow };

export class InboxWriter {
  private readonly batch: MicroBatch<Write, RecordOutcome | undefined>;
  private readonly sql: Sql;

  constructor(db: SqlSource) {
    this.sql = pooledSql(db);
    // A statement that fails for another reason than an unreachable database is retried item by item, so
    // one notification or document PostgreSQL refuses does not fail the others written with it.
    this.batch = new MicroBatch((writes) => this.write(writes), {
      maxBatch: 200,
      maxInFlight: 8,
      retryAlone: (error) => !isDatabaseUnavailable(error),
    });
  }

  /**
   * Records a notification (and its nonce) and commits: its inbox row and whether this call created it, or
   * NonceReplayedError for a replayed nonce (nothing is written for it). `queued`: insert the row already
   * `queued` (the caller enqueues it next without fetching).
   */
  record(note: NewNotification, options: { queued?: boolean } = {}): Promise<RecordOutcome> {
    // A record's outcome is always a RecordOutcome (write() answers undefined only for documents).
    return this.batch.submit({ record: { ...note, queued: options.queued ?? false } }) as Promise<RecordOutcome>;
  }

  /**
   * Stores a fetched document on its row (see storeDocuments), and commits. A row a worker holds is skipped
   * (the worker has the event; it fetches the document itself if it needs it), so one busy row never holds
   * up the others' answers.
   */
  async storeDocument(seq: bigint, raw: unknown, options: DocumentOptions = {}): Promise<void> {
    await this.batch.submit({ document: { seq, raw, queued: options.queued ?? false } });
  }

  private async write(writes: Write[]): Promise<Array<RecordOutcome | undefined | Error>> {
    const records: RecordRequest[] = [];
    const documents: DocumentRow[] = [];
    for (const write of writes) {
      if ('record' in write) records.push(write.record);
      else documents.push(write.document);
    }
    const update = documents.length > 0 ? documentsUpdate(documents, { skipLocked: true }) : undefined;
    let recorded: Array<RecordOutcome | Error> = [];
    if (records.length > 0)
      recorded = await recordNotifications(
        this.sql,
        records,
        update && Prisma.sql`stored_documents AS (${update} RETURNING events.seq)`,
      );
    else if (update) await this.sql(update);
    let next = 0;
    return writes.map((write) => ('record' in write ? recorded[next++] : undefined));
  }
}
