/**
 * deploy/monitoring: the Grafana dashboard and the Prometheus alerting rules parse, and every metric they
 * use is one the service exposes (the API's and a worker's /metrics); the installation-wide gauges they
 * rely on (work owed per queue and its age, live workers per queue, dependencies up) report real values.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { FAILURE_CODES } from '../../src/errors/catalogue';
import { startTestApp, type TestApp } from '../support/app';
import { startTestWorkers, eventually, type TestWorkers } from '../support/workers';

const ROOT = path.resolve(__dirname, '..', '..');
const MONITORING = path.join(ROOT, 'deploy', 'monitoring');

interface Dashboard {
  panels: Array<{ type: string; title: string; datasource?: unknown; targets?: Array<{ expr: string }> }>;
}
interface RuleFile {
  groups: Array<{
    name: string;
    rules: Array<{
      alert: string;
      expr: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }>;
  }>;
}

/** Metric names an exposition declares, with the series names histograms and summaries add. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** Metric names in a PromQL expression: ours and Node's process metrics (functions and labels are not). */
const metricsIn = (expr: string): string[] =>
  [...expr.matchAll(/\b(?:appdirect|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);

function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('monitoring: Grafana dashboard and Prometheus alerts', () => {
  let t: TestApp;
  let workers: TestWorkers;
  let server: Server;
  let url: string;
  const dashboard = JSON.parse(readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
  const rules = parse(readFileSync(path.join(MONITORING, 'alerts.yml'), 'utf8')) as RuleFile;
  const expressions = [
    ...dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ where: `dashboard panel "${panel.title}"`, expr: target.expr })),
    ),
    ...rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }))),
  ];

  beforeAll(async () => {
    t = await startTestApp({});
    workers = startTestWorkers(t, { workerId: 'monitoring-worker' });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await workers.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('parse, and every panel and rule is complete', () => {
    expect(
      dashboard.panels.filter((p) => p.type !== 'row').every((p) => p.datasource && (p.targets ?? []).length > 0),
    ).toBe(true);
    expect(rules.groups[0]!.rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect({
        alert: rule.alert,
        for: typeof rule.for,
        severity: rule.labels?.severity,
        summary: typeof rule.annotations?.summary,
      }).toEqual({
        alert: rule.alert,
        for: 'string',
        severity: expect.stringMatching(/^(page|ticket)$/),
        summary: 'string',
      });
    }
    // The conditions an operator must be woken for.
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'AppDirectEventBacklogOld',
        'AppDirectResultsUndelivered',
        'AppDirectEventFailureRate',
        'AppDirectNoWorkerConsuming',
        'AppDirectUsageUndelivered',
      ]),
    );
  });

  it("count as failures exactly the catalogue's failure codes (refusals are business answers)", () => {
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'AppDirectEventFailureRate')!;
    const codes = /code=~"([^"]+)"/.exec(rule.expr)?.[1]?.split('|') ?? [];
    expect(codes.sort()).toEqual([...FAILURE_CODES].sort());
    const panel = dashboard.panels.find((p) => p.title === 'Events finished per second, by outcome code') as
      { description?: string } | undefined;
    for (const code of FAILURE_CODES) {
      expect(panel?.description).toContain(code);
      expect(rule.annotations?.description).toContain(code);
    }
  });

  it('use only metrics the service exposes (API and worker /metrics)', async () => {
    await fetch(`${url}/appdirect/events?eventUrl=x`); // the callback route's label appears once it has answered
    const apiText = await (await fetch(`${url}/metrics`)).text();
    const workerText = await workers.metrics.registry.metrics();
    const exposed = new Set([...exposedNames(apiText), ...exposedNames(workerText)]);
    const unknown = expressions.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => !exposed.has(name))
        .map((name) => `${name} (${where})`),
    );
    expect(unknown).toEqual([]);
    expect(expressions.flatMap(({ expr }) => metricsIn(expr)).length).toBeGreaterThan(20);
    // The route label the ingest panels and the 5xx alert select on.
    expect(apiText).toContain('route="/appdirect/events"');
  });

  it('report work owed per queue with its age, live workers per queue and dependencies up', async () => {
    const now = Date.now();
    const event = await t.db.prisma.event.create({
      data: {
        token: 'mon-1',
        eventUrl: 'https://m.example/api/integration/v1/events/mon-1',
        marketplaceBaseUrl: 'https://m.example',
        status: 'received',
        receivedAt: new Date(now - 120_000),
      },
    });
    await t.db.prisma.resultDelivery.create({
      data: {
        eventSeq: event.seq,
        resultUrl: 'https://m.example/r',
        body: {},
        status: 'pending',
        attempts: 1,
        createdAt: new Date(now - 300_000),
      },
    });
    await t.db.prisma.hookCall.create({
      data: { eventToken: 'mon-1', kind: 'accountCreated', args: {}, createdAt: new Date(now - 60_000), attempts: 1 },
    });
    const text = await eventually(async () => {
      const scraped = await (await fetch(`${url}/metrics`)).text();
      return sampleValue(scraped, 'appdirect_workers', { queue: 'events' }) === 1 ? scraped : null;
    });
    for (const queue of ['events', 'results', 'hooks']) {
      expect(sampleValue(text, 'appdirect_backlog_items', { queue })).toBe(1);
      expect(sampleValue(text, 'appdirect_workers', { queue })).toBe(1);
    }
    expect(sampleValue(text, 'appdirect_backlog_oldest_age_seconds', { queue: 'events' })).toBeGreaterThanOrEqual(120);
    expect(sampleValue(text, 'appdirect_backlog_oldest_age_seconds', { queue: 'results' })).toBeGreaterThanOrEqual(300);
    expect(sampleValue(text, 'appdirect_backlog_oldest_age_seconds', { queue: 'hooks' })).toBeGreaterThanOrEqual(60);
    expect(sampleValue(text, 'appdirect_dependency_up', { dependency: 'postgresql' })).toBe(1);
    expect(sampleValue(text, 'appdirect_dependency_up', { dependency: 'redis' })).toBe(1);

    // A worker that stops cleanly no longer counts.
    await workers.close();
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(sampleValue(after, 'appdirect_workers', { queue: 'events' })).toBe(0);
    workers = startTestWorkers(t, { workerId: 'monitoring-worker-2' });
  });
});
