/**
 * The Node.js versions the service runs on, and the one line that says so when it is started on another.
 *
 * What sets the floor (Node's own docs and the dependencies' `engines`):
 * - `module.registerHooks` (bin/embedded-postgres.ts, the embedded PostgreSQL as root from a private
 *   checkout): added in 22.15.0 and 23.5.0.
 * - Prisma 7 (`^20.19 || ^22.12 || >=24.0`, require(esm) unflagged) and ESLint 10 (`^22.13`): no Node 23.
 * - Everything else used (AbortSignal.any, util.parseArgs, --disable-warning, --import) is older.
 * The outbound proxy (HTTPS_PROXY, http.setGlobalProxyFromEnv, 24.14) is optional and checked where it is
 * switched on (src/marketplace/proxy.ts).
 * package.json `engines` says the same range (a test keeps them in step).
 */

/** Each supported release line: its major version and the first version of it that works. */
const SUPPORTED_LINES: ReadonlyArray<{ readonly major: number; readonly from: readonly [number, number, number] }> = [
  { major: 22, from: [22, 15, 0] },
  // 24 and every later major: the newest line keeps what 24 has.
  { major: 24, from: [24, 0, 0] },
];

/** The range in npm's notation, as package.json `engines.node` holds it. */
export const SUPPORTED_NODE_RANGE = SUPPORTED_LINES.map(({ from }, index) =>
  index === SUPPORTED_LINES.length - 1 ? `>=${from.join('.')}` : `^${from.join('.')}`,
).join(' || ');

/** The range in words, for people: "22.15 or later on Node 22, or 24 and later". */
const SUPPORTED_IN_WORDS = SUPPORTED_LINES.map(({ major, from }, index) =>
  index === SUPPORTED_LINES.length - 1 ? `${major} and later` : `${from[0]}.${from[1]} or later on Node ${major}`,
).join(', or ');

function parseVersion(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

const atLeast = (version: readonly number[], floor: readonly number[]): boolean => {
  for (let i = 0; i < floor.length; i += 1) {
    if (version[i]! !== floor[i]!) return version[i]! > floor[i]!;
  }
  return true;
};

/** Whether `version` (`22.15.0`, `v24.1.0`) is in the supported range. */
export function isSupportedNode(version: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  const newest = SUPPORTED_LINES[SUPPORTED_LINES.length - 1]!;
  if (parsed[0] >= newest.major) return atLeast(parsed, newest.from);
  const line = SUPPORTED_LINES.find(({ major }) => major === parsed[0]);
  return line !== undefined && atLeast(parsed, line.from);
}

/**
 * The one line to print when `version` is not supported (naming it and the floor), or undefined when it is.
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  if (isSupportedNode(version)) return undefined;
  return (
    `appdirect-provisioner needs Node.js ${SUPPORTED_IN_WORDS} (${SUPPORTED_NODE_RANGE}); this is Node.js ` +
    `${version.startsWith('v') ? version : `v${version}`}. Install Node 24 LTS (README, "Quick start").`
  );
}
