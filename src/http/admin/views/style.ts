/** The admin page's one style sheet (every screen; a few kilobytes, no web fonts, nothing fetched). */
import { constantHtml } from './html';

export const STYLE = constantHtml`<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: center; }
  header a { color: #cfd6e4; text-decoration: none; } header strong { color: #fff; }
  header a[aria-current] { color: #fff; box-shadow: 0 2px 0 #7f9cf5; }
  main { padding: 20px 24px; max-width: 1200px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { background: #eef0f4; font-weight: 600; }
  .status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e3e6eb; }
  .status.failed { background: #fde2e1; color: #a1150f; } .status.succeeded { background: #dcf5e3; color: #12602c; }
  .status.cancelled { background: #fff1cc; color: #7a5200; }
  .status.refused { background: #ece6f7; color: #4b2a86; }
  .status.alive { background: #dcf5e3; color: #12602c; } .status.missing { background: #fde2e1; color: #a1150f; }
  form.inline { display: inline; } button { padding: 6px 14px; border: 1px solid #3058d6; background: #3b66f0; color: #fff; border-radius: 4px; cursor: pointer; }
  button.secondary { background: #fff; color: #3058d6; }
  input, select { padding: 5px 8px; border: 1px solid #c4c9d4; border-radius: 4px; }
  pre { background: #fff; border: 1px solid #e3e6eb; padding: 10px; overflow: auto; max-height: 320px; }
  .notice { background: #e7f0ff; border: 1px solid #b5ccff; padding: 8px 12px; margin-bottom: 16px; }
  .error { background: #fde2e1; border: 1px solid #f4b4b0; padding: 8px 12px; margin-bottom: 16px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; border: 1px solid #e3e6eb; }
  dt { color: #5b6476; }
  .muted { color: #5b6476; }
  .windows a { margin-right: 12px; } .windows a[aria-current] { font-weight: 700; color: #1d2330; text-decoration: none; }
  section { margin-bottom: 22px; }
  .needs { background: #fff4e5; border: 1px solid #f0c27b; padding: 4px 16px; }
  .ok { background: #e9f7ee; border: 1px solid #9fd8b2; padding: 4px 16px; }
  .counters { display: flex; flex-wrap: wrap; gap: 10px; }
  a.counter { display: flex; flex-direction: column; min-width: 120px; padding: 8px 12px; background: #fff; border: 1px solid #e3e6eb; text-decoration: none; color: #1d2330; }
  a.counter strong { font-size: 22px; }
  figure.chart { margin: 0 0 18px; background: #fff; border: 1px solid #e3e6eb; padding: 8px 10px; }
  figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
  figure.chart text { font: 12px system-ui, sans-serif; fill: #1d2330; }
  figure.chart text.axis { fill: #5b6476; font-size: 11px; }
  figure.chart .hit { fill: transparent; }
  figure.chart ul.legend-list { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0; padding: 0; }
  figure.chart li.legend { display: flex; align-items: center; gap: 6px; }
  figure.chart p.note { margin: 2px 0; color: #5b6476; font-size: 12px; }
  figure.chart .bar:hover .hit, figure.chart .bar:focus .hit { fill: #3b66f01a; stroke: #1d2330; stroke-width: 1.5; }
  figure.chart .bar:focus { outline: none; }
  figure.chart .readout { display: none; font-weight: 600; }
  figure.chart .bar:hover .readout, figure.chart .bar:focus .readout { display: inline; }
</style>`;
