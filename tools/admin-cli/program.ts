/**
 * The admin CLI's program, built with commander from the command table (commands.ts): its help, its checks
 * of the command line (missing arguments, unknown options, bad values: exit 2) and its dispatch all come
 * from the table, so they cannot drift apart.
 */
import { Command } from 'commander';
import { connectionOf, type Connection } from './client';
import { COMMANDS } from './commands';
import type { CommandSpec, RunContext } from './spec';

export type { CommandSpec, RunContext };

export const PROGRAM = 'appdirect-provisioner-admin';

const GROUPS: Record<string, string> = {
  events: 'inspect, retry and cancel events; their calls to your product',
  deliveries: 'results AppDirect has not received',
  'product-calls': "calls to your product's provisioning hooks not done",
  usage: 'usage reports to AppDirect billing: report (as the product), list, show, re-send, cancel',
  accounts: 'look up accounts',
};

/** `events list`: a command's name as typed, from the program down. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The commands a user can run (not the `events` / `accounts` groups). */
export function leafCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => (c.commands.length ? leafCommands(c) : [c]));
}

/**
 * The program, built from COMMANDS. `makeContext` gives each action its context (the entry point reads the
 * global options --url, --token, --json); nothing here exits the process.
 */
export function buildProgram(makeContext: (global: Record<string, unknown>) => RunContext): Command {
  const program = new Command(PROGRAM)
    .description('Operate an appdirect-provisioner installation through its admin API, local or remote.')
    .option('--url <url>', 'the service (default: ADMIN_URL, else http://127.0.0.1:$PORT)')
    .option('--token <token>', 'an admin token (default: ADMIN_TOKEN; of name:token,… the first)')
    .option('--json', "print the API's answer as JSON on stdout; errors as JSON on stderr")
    .exitOverride()
    .configureOutput({ outputError: () => undefined }) // the entry point prints one line of its own
    .configureHelp({
      showGlobalOptions: true,
      // The top-level help lists every command by its full name, not only the groups.
      visibleCommands: (command) => (command.parent ? [...command.commands] : leafCommands(command)),
      subcommandTerm: (command) =>
        [
          commandPath(command),
          ...command.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)),
        ]
          .concat(command.options.length ? ['[options]'] : [])
          .join(' '),
    })
    .addHelpText(
      'after',
      `\nEvery command takes --json. Run ${PROGRAM} <command> --help for its options.\n` +
        'Exit status: 0 done, 1 the service refused or could not be reached, 2 a wrong command line.',
    );
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    const [first, second] = spec.path;
    let parent = program;
    if (second) {
      parent = groups.get(first) ?? program.command(first).description(GROUPS[first] ?? first);
      groups.set(first, parent);
    }
    const command = parent.command(second ?? first).description(spec.summary);
    for (const arg of spec.args ?? []) command.argument(arg);
    for (const option of spec.options?.() ?? []) command.addOption(option);
    command.action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const args = received.slice(0, spec.args?.length ?? 0) as Array<string | undefined>;
      await spec.run(
        makeContext(self.optsWithGlobals()),
        args.filter((a): a is string => a !== undefined),
        self.opts(),
      );
    });
  }
  return program;
}

/** The connection the global options name (an action needs one; --help does not). */
export const connectionFrom = (global: Record<string, unknown>): Connection =>
  connectionOf({
    url: typeof global.url === 'string' ? global.url : undefined,
    token: typeof global.token === 'string' ? global.token : undefined,
  });
