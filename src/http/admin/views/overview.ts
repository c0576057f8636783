/** The landing screen of /admin: needs action, now, the window's charts, workers and queues. */
import type { Overview } from '../../../admin/overview';
import { tabs, timestamp } from './components';
import { html, url, type SafeHtml } from './html';
import { layout, type Viewer } from './layout';
import { charts, numbersTable } from './overview-charts';
import { needsAction, nowSection, workersSection } from './overview-sections';

export function overviewView(overview: Overview, viewer: Viewer): SafeHtml {
  const windows = tabs([
    { href: url`/admin?window=24h`, label: 'last 24 hours', current: overview.window === '24h' },
    { href: url`/admin?window=7d`, label: 'last 7 days', current: overview.window === '7d' },
  ]);
  return layout(
    { title: 'Overview', viewer, section: 'overview' },
    html`<h1>Overview</h1>
      <p class="windows">
        Window: ${windows}
        <span
          >· ${timestamp(overview.from)} – ${timestamp(overview.to)} UTC, updated
          ${timestamp(overview.generatedAt)}</span
        >
      </p>
      ${needsAction(overview)}${nowSection(overview)}
      <section id="charts">
        <h2>Last ${overview.window === '24h' ? '24 hours' : '7 days'}</h2>
        ${charts(overview)}${numbersTable(overview)}
      </section>
      ${workersSection(overview)}`,
  );
}
