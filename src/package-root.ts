import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's root folder (the one holding package.json and prisma/), found from this file's own place, so
 * the same code works run from `src/` through tsx and compiled under `dist/src/`.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package root (package.json next to prisma/) above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** True when this code runs compiled (dist/), false when TypeScript runs through tsx or ts-jest. */
export const RUNNING_COMPILED = __filename.endsWith('.js');

/**
 * How to run one of the project's own entry points (`bin/…`, `workers/…`, `src/…` without extension) in a
 * child process: the compiled file under dist/ with plain node, or the TypeScript source through tsx.
 */
export function entryPoint(relativeWithoutExtension: string): { args: string[]; file: string } {
  if (RUNNING_COMPILED) {
    const file = path.join(PACKAGE_ROOT, 'dist', `${relativeWithoutExtension}.js`);
    return { file, args: ['--enable-source-maps', file] };
  }
  const file = path.join(PACKAGE_ROOT, `${relativeWithoutExtension}.ts`);
  return { file, args: ['--import', 'tsx', file] };
}
