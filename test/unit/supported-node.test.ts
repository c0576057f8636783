import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isSupportedNode, SUPPORTED_NODE_RANGE, unsupportedNodeMessage } from '../../src/runtime/supported-node';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every process entry point a user or the image starts; each must refuse an unsupported Node first. */
const ENTRY_POINTS = [
  'bin/start.ts',
  'bin/migrate.ts',
  'bin/data-remove.ts',
  'bin/embedded-postgres.ts',
  'src/http/server.ts',
  'workers/event-worker.ts',
];

/** The module specifier of a file's first import (comments skipped). */
function firstImport(file: string): string | undefined {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  return /^import\s+(?:[^'"]*?\s+from\s+)?'([^']+)';/m.exec(source)?.[1];
}

describe('supported Node.js versions', () => {
  it('package.json engines is the range the start-up check enforces', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(SUPPORTED_NODE_RANGE).toBe('^22.15.0 || >=24.0.0');
    expect(pkg.engines.node).toBe(SUPPORTED_NODE_RANGE);
  });

  it('refuses the Node 22 releases without module.registerHooks, and Node 23 (Prisma 7 does not support it)', () => {
    for (const version of ['v18.20.4', 'v20.20.2', 'v22.12.0', 'v22.14.0', 'v23.5.0', 'v23.11.1', 'garbage'])
      expect(isSupportedNode(version)).toBe(false);
  });

  it('accepts 22.15 and later on Node 22, and Node 24 and later', () => {
    for (const version of ['v22.15.0', 'v22.22.2', '24.0.0', 'v24.14.1', 'v25.2.0', 'v26.0.0'])
      expect(isSupportedNode(version)).toBe(true);
    expect(unsupportedNodeMessage(process.version)).toBeUndefined();
  });

  it('says in one line which Node runs and which the service needs', () => {
    const message = unsupportedNodeMessage('v22.12.0');
    expect(message).toBe(
      'appdirect-provisioner needs Node.js 22.15 or later on Node 22, or 24 and later (^22.15.0 || >=24.0.0); ' +
        'this is Node.js v22.12.0. Install Node 24 LTS (README, "Quick start").',
    );
    expect(message).not.toContain('\n');
  });

  it.each(ENTRY_POINTS)('%s refuses an unsupported Node before it loads anything else', (file) => {
    const expected = path.relative(
      path.dirname(path.join(ROOT, file)),
      path.join(ROOT, 'src/runtime/refuse-unsupported-node'),
    );
    expect(firstImport(file)).toBe(expected.startsWith('.') ? expected : `./${expected}`);
  });
});
