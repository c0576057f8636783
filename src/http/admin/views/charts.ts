/**
 * Server-side SVG charts for the admin overview: no script, no library, nothing fetched. Each series has
 * a fill pattern and a label besides its colour (readable in grey or by colour-blind readers); every
 * interval is a focusable group whose numbers show in the chart's read-out line on hover or keyboard
 * focus and are in its <title> for screen readers. The same numbers are in a table under the charts.
 */
import { attrs, html, type SafeHtml } from './html';

export interface SeriesStyle {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly pattern: 'solid' | 'hatch' | 'crosshatch' | 'dots' | 'vertical' | 'horizontal';
}

export interface BarInterval {
  /** Shown in the read-out and the title, e.g. "12-02 10:00–10:30". */
  readonly label: string;
  /** Axis label under the bar; empty to leave it out. */
  readonly tick: string;
  readonly values: Readonly<Record<string, number>>;
}

export interface LineSeries extends SeriesStyle {
  readonly marker: 'circle' | 'square';
  readonly dash: string;
}

const WIDTH = 960;
const HEIGHT = 250;
const PAD = { top: 34, right: 16, bottom: 34, left: 56 };
const plotWidth = WIDTH - PAD.left - PAD.right;
const plotHeight = HEIGHT - PAD.top - PAD.bottom;

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));

/**
 * The y axis's grid values, from 0 to a readable top at or above `max`: about four steps of 1, 2 or 5 ×
 * 10^n. A count axis (`wholeNumbers`) steps by at least 1, so no tick reads "12.5 events".
 */
export function gridValues(max: number, wholeNumbers: boolean): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const step = wholeNumbers ? Math.max(1, Math.round(nice)) : nice;
  const steps = Math.ceil(max / step - 1e-9);
  // Multiplying (not adding) keeps 0.1-steps free of accumulated rounding.
  return Array.from({ length: steps + 1 }, (_, index) => Number((index * step).toPrecision(12)));
}

const WHITE_STROKE = attrs({ stroke: '#fff', 'stroke-width': 1.6 });
const PATTERN_MARKS: Readonly<Record<SeriesStyle['pattern'], SafeHtml | null>> = {
  solid: null,
  hatch: html`<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" ${WHITE_STROKE} />`,
  crosshatch: html`<path d="M0,0 l8,8 M8,0 l-8,8" ${WHITE_STROKE} />`,
  dots: html`<circle cx="4" cy="4" r="1.6" fill="#fff" />`,
  vertical: html`<path d="M4,0 v8" ${WHITE_STROKE} />`,
  horizontal: html`<path d="M0,4 h8" ${WHITE_STROKE} />`,
};

function patternDefs(id: string, series: readonly SeriesStyle[]): SafeHtml[] {
  return series.map(
    (s, i) =>
      html`<pattern id="${id}-p${i}" width="8" height="8" patternUnits="userSpaceOnUse"
        ><rect width="8" height="8" fill="${s.color}" />${PATTERN_MARKS[s.pattern]}</pattern
      >`,
  );
}

function marker(shape: LineSeries['marker'], x: number, y: number, color: string): SafeHtml {
  return shape === 'circle'
    ? html`<circle cx="${x}" cy="${y}" r="3.5" fill="#fff" stroke="${color}" stroke-width="2" />`
    : html`<rect x="${x - 3.5}" y="${y - 3.5}" width="7" height="7" fill="${color}" />`;
}

/** A legend entry's small picture: the series' pattern, or its line's dash and marker. */
const patternSwatch = (id: string, i: number) =>
  html`<rect x=".5" y=".5" width="21" height="13" fill="url(#${id}-p${i})" stroke="#1d2330" stroke-width=".5" />`;
const lineSwatch = (s: LineSeries) =>
  html`<line
      x1="1"
      y1="7"
      x2="21"
      y2="7"
      stroke="${s.color}"
      stroke-width="2.5"
      stroke-dasharray="${s.dash}"
    />${marker(s.marker, 11, 7, s.color)}`;

/** An HTML legend (it wraps), one entry per series. */
function legend(series: readonly SeriesStyle[], swatch: (index: number) => SafeHtml): SafeHtml {
  const items = series.map(
    (s, i) => html`<li class="legend"><svg width="22" height="14" aria-hidden="true">${swatch(i)}</svg>${s.label}</li>`,
  );
  return html`<ul class="legend-list">
    ${items}
  </ul>`;
}

const axisLabel = (x: number, y: number, anchor: 'end' | 'middle', text: string) =>
  html`<text class="axis" x="${x}" y="${y}" text-anchor="${anchor}">${text}</text>`;

/** Grid lines with their values, the unit above them, and the ticks under the intervals. */
function axes(grid: readonly number[], unit: string, ticks: ReadonlyArray<{ x: number; text: string }>): SafeHtml {
  const top = grid.at(-1)!;
  const lines = grid.map((value) => {
    const y = PAD.top + plotHeight * (1 - value / top);
    return html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#e3e6eb" />${axisLabel(
        PAD.left - 6,
        y + 4,
        'end',
        fmt(value),
      )}`;
  });
  const xTicks = ticks.map((t) => axisLabel(t.x, HEIGHT - PAD.bottom + 16, 'middle', t.text));
  return html`${lines}${axisLabel(PAD.left - 6, PAD.top - 8, 'end', unit)}${xTicks}`;
}

/** The read-out line shown while an interval is hovered or focused (one per interval, all in one place). */
const readout = (text: string) => html`<text class="readout" x="${PAD.left}" y="16">${text}</text>`;

/**
 * An interval's focusable group: its description (title, label, read-out), a hit area `slot` wide at `x`
 * under its marks, and the interval's total for scripts and tests.
 */
function intervalGroup(x: number, slot: number, text: string, marks: readonly SafeHtml[], total?: number): SafeHtml {
  return html`<g class="bar" tabindex="0" role="img" aria-label="${text}" ${attrs({ 'data-total': total })}>
    <title>${text}</title>
    <rect class="hit" x="${x}" y="${PAD.top}" width="${slot}" height="${plotHeight}" />${marks}${readout(text)}
  </g>`;
}

function describe(label: string, parts: ReadonlyArray<[string, string]>): string {
  return `${label}: ${parts.map(([name, value]) => `${name} ${value}`).join(', ')}`;
}

/** Stacked bars of counts, one per interval, one segment per series (the axis ticks whole numbers). */
export function stackedBarChart(
  id: string,
  title: string,
  intervals: readonly BarInterval[],
  series: readonly SeriesStyle[],
  unit: string,
  note = '',
): SafeHtml {
  const totals = intervals.map((interval) => series.reduce((sum, s) => sum + (interval.values[s.key] ?? 0), 0));
  const grid = gridValues(Math.max(0, ...totals), true);
  const max = grid.at(-1)!;
  const slot = plotWidth / Math.max(1, intervals.length);
  const barWidth = Math.max(2, slot * 0.72);
  const ticks: Array<{ x: number; text: string }> = [];
  const bars = intervals.map((interval, index) => {
    const x = PAD.left + index * slot + (slot - barWidth) / 2;
    if (interval.tick) ticks.push({ x: x + barWidth / 2, text: interval.tick });
    let y = PAD.top + plotHeight;
    const segments = series.map((s, i) => {
      const value = interval.values[s.key] ?? 0;
      if (value <= 0) return html``;
      const h = (value / max) * plotHeight;
      y -= h;
      return html`<rect x="${x}" y="${y}" width="${barWidth}" height="${h}" fill="url(#${id}-p${i})"
        ><title>${`${interval.label} · ${s.label}: ${value}`}</title></rect
      >`;
    });
    const parts = series
      .filter((s) => (interval.values[s.key] ?? 0) > 0)
      .map((s): [string, string] => [s.label, String(interval.values[s.key])]);
    const text = parts.length ? describe(interval.label, parts) : `${interval.label}: none`;
    return intervalGroup(PAD.left + index * slot, slot, text, segments, totals[index]);
  });
  return chartFrame(
    { id, title, note },
    legend(series, (i) => patternSwatch(id, i)),
    html`<defs>${patternDefs(id, series)}</defs>${axes(grid, unit, ticks)}${bars}`,
  );
}

/** Lines with markers (distinct dash and marker shape per series); intervals without a value leave a gap. */
export function lineChart(
  id: string,
  title: string,
  intervals: ReadonlyArray<{ label: string; tick: string; values: Readonly<Record<string, number | null>> }>,
  series: readonly LineSeries[],
  unit: string,
): SafeHtml {
  const all = intervals.flatMap((interval) => series.map((s) => interval.values[s.key] ?? 0));
  const grid = gridValues(Math.max(0, ...all.filter((v): v is number => v !== null)), false);
  const max = grid.at(-1)!;
  const slot = plotWidth / Math.max(1, intervals.length);
  const xOf = (index: number) => PAD.left + index * slot + slot / 2;
  const yOf = (value: number) => PAD.top + plotHeight * (1 - value / max);
  const ticks = intervals.flatMap((interval, index) => (interval.tick ? [{ x: xOf(index), text: interval.tick }] : []));
  const paths = series.map((s) => {
    let d = '';
    let pen = false;
    intervals.forEach((interval, index) => {
      const value = interval.values[s.key];
      if (value === null || value === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${xOf(index).toFixed(1)},${yOf(value).toFixed(1)} `;
      pen = true;
    });
    return d
      ? html`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-dasharray="${s.dash}" />`
      : null;
  });
  const points = intervals.map((interval, index) => {
    const present = series.filter((s) => interval.values[s.key] !== null && interval.values[s.key] !== undefined);
    const parts = present.map((s): [string, string] => [s.label, `${fmt(interval.values[s.key]!)} ${unit}`]);
    const text = parts.length ? describe(interval.label, parts) : `${interval.label}: no events finished`;
    const markers = present.map((s) => marker(s.marker, xOf(index), yOf(interval.values[s.key]!), s.color));
    return intervalGroup(PAD.left + index * slot, slot, text, markers);
  });
  return chartFrame(
    { id, title },
    legend(series, (i) => lineSwatch(series[i]!)),
    html`${axes(grid, unit, ticks)}${paths}${points}`,
  );
}

function chartFrame(frame: { id: string; title: string; note?: string }, legendHtml: SafeHtml, body: SafeHtml) {
  return html`<figure class="chart" id="${frame.id}">
    <figcaption>${frame.title}</figcaption>
    ${legendHtml}${frame.note && html`<p class="note">${frame.note}</p>`}
    <svg
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="100%"
      role="group"
      aria-label="${frame.title}"
      xmlns="http://www.w3.org/2000/svg"
    >
      ${body}
    </svg>
  </figure>`;
}
