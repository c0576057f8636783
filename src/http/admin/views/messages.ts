/** Pages that only say something: a thing that does not exist, a refused form, Redis away. */
import { problem } from './components';
import type { SafeHtml } from './html';
import { layout, type Viewer } from './layout';

/** 404: `what` names the missing thing ("event abc"). */
export const notFoundView = (what: string, viewer: Viewer): SafeHtml =>
  layout({ title: 'Not found', viewer }, problem(`There is no ${what}.`));

/** 403: a form posted without this session's CSRF token (or without a session). */
export const formRefusedView = (): SafeHtml =>
  layout({ title: 'Refused' }, problem('The form was not sent from this admin page. Reload it and try again.'));

/** 503: actions are refused before changing anything while Redis does not answer. */
export const queuesDownView = (): SafeHtml =>
  layout(
    { title: 'Try again' },
    problem('Redis is not reachable, so nothing was changed. Try again in a few seconds.'),
  );
