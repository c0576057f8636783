/**
 * Issue #23.13 (and #25.4): the CLI on commander, its commands declared once (tools/admin-cli/program.ts,
 * COMMANDS). Help lists every command and option; a missing argument is named; an unknown option or a bad
 * value is one clean line; exit statuses 0 / 1 (the service refused) / 2 (the command line); --json on every
 * command; the README's examples are commands the CLI has.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../tools/admin-cli/commands';
import { startScenario, type Scenario } from '../support/scenario';

const TOKEN = 'cli-commands-token-0123456789abcdefghij';
const ROOT = path.resolve(__dirname, '..', '..');

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/admin-cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** The flags of a command's options as its table declares them (`--error-code`, `--limit`…). */
const flagsOf = (spec: (typeof COMMANDS)[number]) => (spec.options?.() ?? []).map((option) => option.long!);

describe('appdirect-provisioner-admin: the command line', () => {
  let s: Scenario;
  const admin = (...args: string[]) => cli({ ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${TOKEN}` }, ...args);
  beforeAll(async () => {
    s = await startScenario({ ADMIN_TOKEN: `ops:${TOKEN}` });
  });
  afterAll(() => s.close());

  it('lists every command in --help, and every option of a command in its own --help', async () => {
    const help = await cli({}, '--help');
    expect(help.code).toBe(0);
    for (const spec of COMMANDS) {
      const usage = [spec.path.join(' '), ...(spec.args ?? [])].join(' ');
      expect({ command: spec.path.join(' '), listed: help.out.includes(usage) }).toEqual({
        command: spec.path.join(' '),
        listed: true,
      });
      const own = await cli({}, ...spec.path, '--help');
      expect(own.code).toBe(0);
      for (const flag of [...flagsOf(spec), '--json', '--url', '--token'])
        expect({ command: spec.path.join(' '), flag, listed: own.out.includes(flag) }).toEqual({
          command: spec.path.join(' '),
          flag,
          listed: true,
        });
    }
    // The help lists nothing the table does not have.
    const listed = [...help.out.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)?)(?= |$)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(COMMANDS.map((spec) => spec.path.join(' ')).sort());
  });

  it.each([
    [['events', 'show'], "missing required argument 'token'"],
    [['events', 'resend-call', 'tok'], "missing required argument 'callId'"],
    [['--bogus'], "unknown option '--bogus'"],
    [['events', 'list', '--bogus'], "unknown option '--bogus'"],
    [['events', 'list', '--limit', 'abc'], "option '--limit <n>' argument 'abc' is invalid"],
    [['events', 'list', '--status', 'sideways'], "argument 'sideways' is invalid"],
    [['events', 'list', '--from', 'yesterday'], "argument 'yesterday' is invalid"],
    [['overview', '--window', '1h'], "argument '1h' is invalid"],
    [['events', 'frobnicate'], "unknown command 'frobnicate'"],
    [['events'], 'give a command'],
    [['events', 'retry'], 'give an event token, or at least one filter'],
  ])('refuses the command line %j with exit 2 and one line naming what is wrong', async (args, text) => {
    const run = await admin(...args);
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    const lines = run.err.trim().split('\n');
    expect(lines.at(-1)).toContain(text);
    if (args[0] !== 'events' || args.length > 1) expect(lines).toHaveLength(1);
    const json = await admin(...args, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.err.trim().split('\n').at(-1)!)).toEqual({
      error: { code: 'USAGE', message: expect.stringContaining(text), action: expect.any(String) },
    });
  });

  it('exits 0 with the help, 1 when the service refuses, 2 without a token', async () => {
    expect((await cli({}, '-h')).code).toBe(0);
    expect((await cli({}, 'events', 'list', '-h')).code).toBe(0);
    const refused = await admin('events', 'show', 'no-such-token');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('EVENT_NOT_FOUND');
    const tokenless = await cli({ ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: '' }, 'overview');
    expect(tokenless.code).toBe(2);
    expect(tokenless.err).toContain('no admin token');
  });

  it('answers every command with JSON under --json: the answer on stdout, or the error on stderr', async () => {
    const argsFor = (spec: (typeof COMMANDS)[number]) => [
      ...(spec.args ?? []).map((arg) => (arg.includes('callId') ? '1' : 'no-such-thing')),
      // Mandatory options (usage report's --key and --file: a JSON file that is no report).
      ...(spec.options?.() ?? [])
        .filter((option) => option.mandatory)
        .flatMap((option) => [option.long!, option.long === '--file' ? 'package.json' : 'some-value']),
    ];
    for (const spec of COMMANDS) {
      // usage report goes to the product API (disabled here: refused, exit 1) with a product token.
      const run = await cli(
        { ADMIN_URL: s.serviceUrl, ADMIN_TOKEN: `ops:${TOKEN}`, PRODUCT_API_TOKENS: 'some-product-token' },
        ...spec.path,
        ...argsFor(spec),
        '--json',
      );
      const command = spec.path.join(' ');
      if (run.code === 0) expect({ command, json: typeof JSON.parse(run.out) }).toEqual({ command, json: 'object' });
      else
        expect({ command, code: run.code, error: Object.keys(JSON.parse(run.err) as object) }).toEqual({
          command,
          code: 1,
          error: ['error'],
        });
    }
  });

  it("uses in the README's examples only commands and options the CLI has", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/(?:npx appdirect-provisioner-admin|npm run admin --) ([^\n#|)`]*)/g)].map(
      (m) => m[1]!.trim().split(/\s+/),
    );
    expect(examples.length).toBeGreaterThan(8);
    for (const words of examples) {
      const spec = COMMANDS.find((c) => c.path.every((name, i) => words[i] === name));
      expect({ example: words.join(' '), known: spec !== undefined }).toEqual({
        example: words.join(' '),
        known: true,
      });
      const flags = words.filter((w) => w.startsWith('--')).map((w) => w.replace(/[[\]]/g, ''));
      for (const flag of flags)
        expect({
          example: words.join(' '),
          flag,
          known: [...flagsOf(spec!), '--json', '--url', '--token'].includes(flag),
        }).toEqual({
          example: words.join(' '),
          flag,
          known: true,
        });
    }
  });
});
