/** The login form, shown for any page asked without a session; it comes back to that page after. */
import { problem } from './components';
import { html, type SafeHtml } from './html';
import { layout } from './layout';

export interface LoginScreen {
  /** Why the last attempt was refused. */
  readonly error?: string;
  /** The page to show once logged in (a path under /admin). */
  readonly returnTo: string;
}

export function loginView(screen: LoginScreen): SafeHtml {
  return layout(
    { title: 'Log in' },
    html`${screen.error && problem(screen.error)}
      <h1>Admin</h1>
      <form method="post" action="/admin/login">
        <input type="hidden" name="returnTo" value="${screen.returnTo}" />
        <label
          >Admin token <input type="password" name="token" autocomplete="current-password" autofocus required
        /></label>
        <button type="submit">Log in</button>
      </form>`,
  );
}
