/**
 * Notify calls as docs/hooks.md describes them, against a product receiver that answers as real ones do: a
 * call is taken on any 2xx whatever its body, retried (same webhook-id) until taken, and while an account's
 * `accountCreated` is owed its later events wait, however many jobs that call has used up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { assignEvent, orderEvent, person } from '../support/events';
import { startScenario, type Scenario } from '../support/scenario';
import { eventually } from '../support/workers';

const SECRET = `whsec_${Buffer.from('notify-receiver-secret-32-bytes!').toString('base64')}`;

interface Received {
  readonly id: string;
  readonly type: string;
  readonly accountIdentifier: string | undefined;
}

/** A product endpoint on loopback answering each call as `answer` says (the call's type decides). */
class Receiver {
  readonly received: Received[] = [];
  answer: (call: Received) => { status: number; contentType: string; body: string } = () => ({
    status: 200,
    contentType: 'application/json',
    body: '{}',
  });
  private server: http.Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(text) as { type: string; data?: { accountIdentifier?: string } };
        const call = {
          id: String(req.headers['webhook-id']),
          type: parsed.type,
          accountIdentifier: parsed.data?.accountIdentifier,
        };
        this.received.push(call);
        const { status, contentType, body } = this.answer(call);
        res.writeHead(status, { 'content-type': contentType }).end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/appdirect`;
    return this;
  }

  of(type: string): Received[] {
    return this.received.filter((call) => call.type === type);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('notify calls to a product webhook', () => {
  let receiver: Receiver;
  let s: Scenario;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    s = await startScenario(
      {
        PRODUCT_WEBHOOK_URL: receiver.url,
        PRODUCT_WEBHOOK_SECRETS: SECRET,
        PRODUCT_WEBHOOK_ALLOW_PRIVATE: 'true',
        PRODUCT_NOTIFY_MAX_ATTEMPTS: '2',
        PRODUCT_NOTIFY_BACKOFF_MS: '50',
        PRODUCT_CIRCUIT_FAILURES: '1000',
        PENDING_WAIT_MS: '60000',
      },
      { sweepEveryMs: 200 },
    );
  });
  afterAll(async () => {
    await s.close();
    await receiver.stop();
  });

  it.each([
    [200, 'text/html', '<html><body>Thanks!</body></html>'],
    [201, 'text/plain', 'created'],
    [202, 'application/json', 'not json at all {'],
    [204, 'text/plain', ''],
  ])(
    'takes a call answered %i %s with a body that is not JSON, at its first attempt',
    async (status, contentType, body) => {
      receiver.answer = () => ({ status, contentType, body });
      const order = await s.send(orderEvent({ seats: 5 }));
      const account = order.accountIdentifier!;
      const assigned = await s.send(assignEvent(account, person()));
      expect(assigned).toMatchObject({ success: true });
      const calls = await eventually(async () => {
        const rows = await s.subject.db.prisma.hookCall.findMany({
          where: { accountId: account },
          orderBy: { id: 'asc' },
        });
        return rows.length === 2 && rows.every((row) => row.done) ? rows : undefined;
      });
      expect(calls.map((call) => [call.kind, call.lastError])).toEqual([
        ['accountCreated', null],
        ['userAssigned', null],
      ]);
      // Taken at the first attempt: none failed (the test's eager sweeper may send a call a second time, with
      // the same webhook-id, while its first attempt is in flight).
      const attempts = await s.subject.db.prisma.productCallAttempt.findMany({
        where: { hookCallId: { in: calls.map((call) => call.id) } },
      });
      expect(attempts.filter((attempt) => attempt.outcome !== 'answered')).toEqual([]);
      const keys = calls.map((call) => `call_${call.id}`);
      expect(new Set(receiver.received.filter((call) => keys.includes(call.id)).map((call) => call.id)).size).toBe(2);
    },
  );

  it("keeps an account's later events waiting while its accountCreated is owed, after that call's job used its attempts", async () => {
    // The product is down for accountCreated: the first attempt and both of its job's attempts fail.
    let down = true;
    receiver.answer = (call) =>
      down && call.type === 'accountCreated'
        ? { status: 503, contentType: 'text/plain', body: 'maintenance' }
        : { status: 200, contentType: 'application/json', body: '{}' };
    const order = await s.send(orderEvent({ seats: 5 }));
    const account = order.accountIdentifier!;
    const created = await eventually(async () => {
      const call = await s.subject.db.prisma.hookCall.findFirst({
        where: { accountId: account, kind: 'accountCreated' },
      });
      return call && call.attempts >= 3 ? call : undefined;
    });
    expect(created.done).toBe(false);

    const { token } = await s.post(assignEvent(account, person()));
    // The assignment has run and waited (an attempt 'deferred'), with the call still owed: no result yet.
    await eventually(async () =>
      (await s.subject.db.prisma.eventAttempt.count({ where: { event: { token }, outcome: 'deferred' } })) > 0
        ? true
        : undefined,
    );
    expect((await s.subject.db.prisma.account.findUniqueOrThrow({ where: { id: account } })).provisioningStatus).toBe(
      'pending',
    );
    expect(s.marketplace.resultsFor(token)).toHaveLength(0);
    expect(receiver.of('userAssigned').filter((call) => call.accountIdentifier === account)).toEqual([]);

    // The product is back: the call is taken (the sweeper starts a new job), then the assignment is applied.
    down = false;
    expect(await s.resultOf(token, 30_000)).toMatchObject({ success: true });
    const calls = await s.subject.db.prisma.hookCall.findMany({
      where: { accountId: account },
      orderBy: { id: 'asc' },
    });
    expect(calls.map((call) => [call.kind, call.done])).toEqual([
      ['accountCreated', true],
      ['userAssigned', expect.any(Boolean)],
    ]);
    // Every attempt of the call carried the same webhook-id.
    expect(
      new Set(
        receiver
          .of('accountCreated')
          .filter((c) => c.id === `call_${created.id}`)
          .map((c) => c.id),
      ).size,
    ).toBe(1);
  }, 60_000);
});
