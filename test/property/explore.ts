/**
 * `npm run test:explore [-- <part of a file name>]`: the property tests with fresh random seeds, for
 * PROPERTY_EXPLORE_SECONDS each (./exploration.ts). Only test/property is run; a name narrows it further.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const name = process.argv[2];
const root = path.resolve(__dirname, '..', '..');
const pattern = `test/property/[^/]*${name ? name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : ''}[^/]*\\.test\\.ts$`;
const run = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', pattern],
  { cwd: root, env: { ...process.env, PROPERTY_EXPLORE: '1' }, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
