/**
 * npm run data:remove                    remove the embedded PostgreSQL and Redis data of DATA_DIR (.data)
 * npm run data:remove -- .data/demo      ... of another data folder (the demo's)
 * npm run data:remove -- --yes           without asking (scripts)
 *
 * Includes the copy in /var/lib/appdirect-provisioner that `npm start` as root from a private checkout keeps
 * outside the checkout. Refuses while a server runs on the data. Exit status: 0 removed (or nothing to
 * remove), 1 refused or failed, 2 a wrong command line or not confirmed.
 */
// First: on an unsupported Node.js, one line and exit 1 before anything else loads.
import '../src/runtime/refuse-unsupported-node';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { envSchema } from '../src/config/schema';
import {
  embeddedDataFolders,
  formatBytes,
  removeDataFolders,
  serversUsing,
  sizeOf,
} from '../src/runtime/embedded-data';

const USAGE = 'usage: npm run data:remove [-- [<data folder>] [--yes]]   (the data folder defaults to DATA_DIR, .data)';

async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const yes = args.includes('--yes');
  const positional = args.filter((arg) => !arg.startsWith('-'));
  if (args.some((arg) => arg.startsWith('-') && arg !== '--yes') || positional.length > 1) {
    console.error(USAGE);
    return 2;
  }
  // A folder on the command line is the user's own path (npm runs scripts from the package root).
  const dataDir = positional[0]
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), positional[0])
    : path.resolve(envSchema.shape.DATA_DIR.parse(process.env.DATA_DIR));
  const folders = embeddedDataFolders(dataDir);
  if (folders.length === 0) {
    console.log(`No embedded PostgreSQL or Redis data for ${dataDir}.`);
    return 0;
  }
  console.log(`Embedded data of ${dataDir}:`);
  for (const folder of folders) {
    const where = folder.outsideDataDir ? ', outside the data folder' : '';
    console.log(`  ${folder.kind.padEnd(10)}  ${folder.path} (${formatBytes(sizeOf(folder.path))}${where})`);
  }
  const running = serversUsing(folders);
  if (running.length > 0) {
    console.error(`Not removed: still in use by ${running.join('; ')}. Stop npm start (Ctrl-C) first.`);
    return 1;
  }
  if (!yes) {
    if (!process.stdin.isTTY) {
      console.error('Not removed: run `npm run data:remove -- --yes` to remove it without a question.');
      return 2;
    }
    if (!(await confirmed('Remove it for good? [y/N] '))) {
      console.log('Nothing removed.');
      return 2;
    }
  }
  try {
    removeDataFolders(dataDir, folders);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied (run it as root)' : '';
    console.error(`Could not remove everything: ${reason || (error as Error).message}`);
    return 1;
  }
  console.log('Removed.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
