/**
 * Metrics of the calls to the vendor's product, registered on a process's registry: calls by kind, mode and
 * outcome, their latency, and (on the API, computed when scraped) the notify calls still owed.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PrismaClient } from '../db/client';
import type { CallObserver } from './product';

export function productCallObserver(registry: Registry): CallObserver {
  const calls = new Counter({
    name: 'appdirect_product_calls_total',
    help: 'Calls to the vendor product, by call kind, mode (notify, decide) and outcome (answered, failed).',
    labelNames: ['kind', 'mode', 'outcome'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'appdirect_product_call_seconds',
    help: 'Time the vendor product took to answer a call (or to fail), by mode.',
    labelNames: ['mode'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (kind, mode, record) => {
    calls.inc({ kind, mode, outcome: record.outcome });
    seconds.observe({ mode }, record.durationMs / 1000);
  };
}

/** Notify calls not yet taken by the product (per endpoint: one transport per installation). */
export function registerProductBacklog(registry: Registry, prisma: PrismaClient, endpoint: string): void {
  new Gauge({
    name: 'appdirect_product_calls_owed',
    help: 'Notify calls to the vendor product not yet taken, by endpoint.',
    labelNames: ['endpoint'],
    registers: [registry],
    async collect() {
      const owed = await prisma.hookCall.count({ where: { done: false } }).catch(() => null);
      this.reset();
      if (owed !== null) this.set({ endpoint }, owed);
    },
  });
}
