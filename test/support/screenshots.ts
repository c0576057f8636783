/**
 * Where the browser tests save their screenshots: test-results/ (ignored by git). The README's pictures
 * (`readme: true`) go to the folder SCREENSHOTS_DIR names instead when it is set, relative to the
 * repository, so they are re-taken with
 * `SCREENSHOTS_DIR=docs npx jest test/integration/admin-page.test.ts test/integration/admin-overview-page.test.ts`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The path to save the screenshot `name` (e.g. `admin-overview.png`) to, its folder created. */
export function screenshotPath(name: string, options: { readme?: boolean } = {}): string {
  const folder = (options.readme && process.env.SCREENSHOTS_DIR) || 'test-results';
  const absolute = path.resolve(__dirname, '..', '..', folder);
  mkdirSync(absolute, { recursive: true });
  return path.join(absolute, name);
}
