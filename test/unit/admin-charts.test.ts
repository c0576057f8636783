/** The overview's SVG charts (src/http/admin/views/charts.ts): axes a reader can trust. */
import { lineChart, stackedBarChart } from '../../src/http/admin/views/charts';

/** The y-axis labels of a chart: the axis texts right-aligned at the plot's left edge, minus the unit. */
const yLabels = (svg: string, unit: string): string[] =>
  [...svg.matchAll(/<text class="axis" x="50" y="[^"]*" text-anchor="end">([^<]*)<\/text>/g)]
    .map((m) => m[1]!)
    .filter((text) => text !== unit);

const bars = (totals: number[]) =>
  stackedBarChart(
    'c',
    'Events',
    totals.map((n, i) => ({ label: `interval ${i}`, tick: '', values: { ok: n } })),
    [{ key: 'ok', label: 'success', color: '#000', pattern: 'solid' }],
    'events',
  ).toString();

describe('admin charts', () => {
  it.each([[[1]], [[3]], [[7]], [[10]], [[13]], [[50]], [[99]], [[0]], [[250, 4]]])(
    'ticks a count axis at whole numbers only (max %j), from 0 to at least the largest bar',
    (totals) => {
      const labels = yLabels(bars(totals), 'events').map(Number);
      expect(labels.every((n) => Number.isInteger(n))).toBe(true);
      expect(labels[0]).toBe(0);
      expect(labels.at(-1)!).toBeGreaterThanOrEqual(Math.max(...totals));
      expect(labels.length).toBeGreaterThanOrEqual(2);
      expect(labels.length).toBeLessThanOrEqual(7);
    },
  );

  it('keeps fractions on a seconds axis', () => {
    const svg = lineChart(
      'l',
      'Latency',
      [{ label: 'a', tick: '', values: { p50: 0.3 } }],
      [{ key: 'p50', label: 'median', color: '#000', pattern: 'solid', marker: 'circle', dash: '0' }],
      's',
    ).toString();
    const labels = yLabels(svg, 's').map(Number);
    expect(labels.some((n) => !Number.isInteger(n))).toBe(true);
    expect(labels.at(-1)!).toBeGreaterThanOrEqual(0.3);
  });
});
