/**
 * A database blip is transient: PostgreSQL terminating the connection a run is using, at any step of the run
 * (claiming the event, storing its document, applying it, finishing it, recording its result's delivery), is a
 * fault a later attempt gets past. The event is applied once and AppDirect hears its real outcome, never an
 * UNKNOWN_ERROR from a database that was back a moment later.
 *
 * Each step is reached for real: a trigger on the statement of that step sleeps (once), the test waits until a
 * backend sleeps in it and terminates that backend, as `pg_terminate_backend` or a server restart would.
 */
import pg from 'pg';
import { notificationRequest, notify } from '../../tools/fake-marketplace/notify';
import { accountEvent, orderEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

interface FaultPoint {
  readonly table: string;
  readonly operation: 'INSERT' | 'UPDATE';
  /** The trigger's WHEN condition (NEW / OLD rows). */
  readonly when?: string;
}

const FINISHING = `OLD."finishedAt" IS NULL AND NEW."finishedAt" IS NOT NULL`;
const ORDER_STEPS: Array<[string, FaultPoint]> = [
  ['claiming the event', { table: 'events', operation: 'UPDATE', when: `NEW.status = 'processing'` }],
  [
    'storing the fetched document',
    { table: 'events', operation: 'UPDATE', when: `OLD.payload IS NULL AND NEW.payload IS NOT NULL` },
  ],
  ['applying it', { table: 'accounts', operation: 'INSERT' }],
  ['finishing it', { table: 'events', operation: 'UPDATE', when: FINISHING }],
  ["recording its result's delivery", { table: 'result_delivery_attempts', operation: 'INSERT' }],
];
const ASSIGNMENT_STEPS: Array<[string, FaultPoint]> = [
  ['applying it (a group commit)', { table: 'seats', operation: 'INSERT' }],
  ['finishing it', { table: 'events', operation: 'UPDATE', when: `${FINISHING} AND NEW.type = 'USER_ASSIGNMENT'` }],
];

describe('a database connection lost at any step of a run', () => {
  let s: Scenario;
  let admin: pg.Client;
  let armed = 0;

  /** Makes the next statement that reaches `point` sleep until its backend is terminated; returns a disarm. */
  async function arm(point: FaultPoint): Promise<{ name: string; disarm(): Promise<void> }> {
    const name = `fault_${++armed}`;
    // A sequence is not transactional: the trigger fires once even though its transaction is rolled back.
    await admin.query(`CREATE SEQUENCE ${name}`);
    await admin.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('${name}') = 1 THEN PERFORM pg_sleep(60); END IF;
        RETURN NEW;
      END $$`);
    await admin.query(
      `CREATE TRIGGER ${name} BEFORE ${point.operation} ON ${point.table} FOR EACH ROW
       ${point.when ? `WHEN (${point.when})` : ''} EXECUTE FUNCTION ${name}()`,
    );
    return {
      name,
      disarm: async () => {
        await admin.query(`DROP TRIGGER IF EXISTS ${name} ON ${point.table}`);
        await admin.query(`DROP FUNCTION IF EXISTS ${name}()`);
        await admin.query(`DROP SEQUENCE IF EXISTS ${name}`);
      },
    };
  }

  /** Waits until a backend sleeps in the fault's trigger, and terminates it. */
  async function dropTheConnectionAsleep(): Promise<void> {
    const pid = await eventually(async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return rows[0]?.pid;
    }, 20_000);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  }

  async function expectAppliedOnce(token: string, appliedRows: () => Promise<number>): Promise<void> {
    const result = await s.resultOf(token, 30_000);
    expect(result).toMatchObject({ success: true });
    const event = await s.subject.db.prisma.event.findUniqueOrThrow({ where: { token } });
    expect({ status: event.status, errorCode: event.errorCode }).toEqual({ status: 'succeeded', errorCode: null });
    expect(await appliedRows()).toBe(1);
    // Late duplicates would show here: exactly one result reached the marketplace.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.marketplace.resultsFor(token)).toHaveLength(1);
  }

  beforeAll(async () => {
    // README's defaults for attempts; a short backoff keeps the test quick.
    s = await startScenario({ EVENT_MAX_ATTEMPTS: '8', EVENT_BACKOFF_MS: '50', RESULT_BACKOFF_MS: '50' });
    admin = new pg.Client({ connectionString: s.subject.db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await s?.close();
  });

  /** Notifies with ack=early: the worker does every step (fetch included); the API only records. */
  async function postEarly(document: Record<string, unknown>): Promise<string> {
    const { token, eventUrl } = s.marketplace.addEvent(document);
    expect((await notify(s.serviceUrl, eventUrl, s.auth, { ack: 'early' })).status).toBe(202);
    return token;
  }

  it.each(ORDER_STEPS)('an order survives a lost connection while %s', async (_step, point) => {
    const fault = await arm(point);
    try {
      const token = await postEarly(orderEvent({ seats: 3 }));
      await dropTheConnectionAsleep();
      await fault.disarm();
      await expectAppliedOnce(token, () =>
        s.subject.db.prisma.account.count({ where: { createdByEventToken: token } }),
      );
    } finally {
      await fault.disarm();
    }
  });

  it.each(ASSIGNMENT_STEPS)('a user assignment survives a lost connection while %s', async (_step, point) => {
    const order = await s.send(orderEvent({ seats: 10 }));
    const account = order.accountIdentifier!;
    const fault = await arm(point);
    try {
      const user = person();
      const { token } = await s.post(accountEvent('USER_ASSIGNMENT', account, { user }));
      await dropTheConnectionAsleep();
      await fault.disarm();
      await expectAppliedOnce(token, () =>
        s.subject.db.prisma.seat.count({ where: { accountId: account, user: { uuid: user.uuid as string } } }),
      );
    } finally {
      await fault.disarm();
    }
  });
});

describe("a database connection lost under the API's own statements", () => {
  let s: Scenario;
  let admin: pg.Client;

  beforeAll(async () => {
    s = await startScenario({ EVENT_MAX_ATTEMPTS: '8', EVENT_BACKOFF_MS: '50', RESULT_BACKOFF_MS: '50' });
    admin = new pg.Client({ connectionString: s.subject.db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await s?.close();
  });

  async function sleepingOnce(name: string, point: FaultPoint): Promise<() => Promise<void>> {
    await admin.query(`CREATE SEQUENCE ${name}`);
    await admin.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('${name}') = 1 THEN PERFORM pg_sleep(60); END IF;
        RETURN NEW;
      END $$`);
    await admin.query(
      `CREATE TRIGGER ${name} BEFORE ${point.operation} ON ${point.table} FOR EACH ROW
       ${point.when ? `WHEN (${point.when})` : ''} EXECUTE FUNCTION ${name}()`,
    );
    return async () => {
      await admin.query(`DROP TRIGGER IF EXISTS ${name} ON ${point.table}`);
      await admin.query(`DROP FUNCTION IF EXISTS ${name}()`);
      await admin.query(`DROP SEQUENCE IF EXISTS ${name}`);
    };
  }

  async function terminateTheSleeper(): Promise<void> {
    const pid = await eventually(async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return rows[0]?.pid;
    }, 20_000);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  }

  it('answers 202 when storing the inline-fetched document fails, and the worker applies the event once', async () => {
    const disarm = await sleepingOnce('api_store_document', {
      table: 'events',
      operation: 'UPDATE',
      when: 'OLD.payload IS NULL AND NEW.payload IS NOT NULL',
    });
    try {
      const { token, eventUrl } = s.marketplace.addEvent(orderEvent({ seats: 2 }));
      const answered = notify(s.serviceUrl, eventUrl, s.auth);
      await terminateTheSleeper();
      expect((await answered).status).toBe(202);
      await disarm();
      expect(await s.resultOf(token, 30_000)).toMatchObject({ success: true });
      expect(await s.subject.db.prisma.account.count({ where: { createdByEventToken: token } })).toBe(1);
    } finally {
      await disarm();
    }
  });

  it('answers 503 with Retry-After when recording the notification fails, records nothing, and records the next one', async () => {
    const disarm = await sleepingOnce('api_record', { table: 'events', operation: 'INSERT' });
    try {
      const { token, eventUrl } = s.marketplace.addEvent(orderEvent({ seats: 2 }));
      const request = notificationRequest(s.serviceUrl, eventUrl, s.auth);
      const answered = fetch(request.url, { headers: request.headers });
      await terminateTheSleeper();
      const response = await answered;
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
      expect(((await response.json()) as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(await s.subject.db.prisma.event.count({ where: { token } })).toBe(0);
      await disarm();
      // AppDirect's next notification of it is recorded as usual.
      expect((await notify(s.serviceUrl, eventUrl, s.auth)).status).toBe(202);
      expect(await s.resultOf(token, 30_000)).toMatchObject({ success: true });
    } finally {
      await disarm();
    }
  });
});
