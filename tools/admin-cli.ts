/**
 * appdirect-provisioner-admin <command>   (or npm run admin -- <command>; against the admin API, local or remote)
 *
 * The commands are declared in admin-cli/program.ts (COMMANDS); `--help` lists them all, `<command> --help`
 * a command's options. Every command takes --json: the API's JSON on stdout (the field names of the OpenAPI
 * document), and on failure {"error":{code,message,action}} on stderr. Exit status: 0 done, 1 the service
 * refused or could not be reached, 2 the command line is wrong (code USAGE).
 */
import { CommanderError } from 'commander';
import { CliError } from './admin-cli/client';
import { buildProgram, connectionFrom, PROGRAM, type RunContext } from './admin-cli/program';

/**
 * Asks before sending AppDirect a second result: `--yes` answers for scripts; without a terminal and
 * without --yes the answer is no.
 */
async function confirm(question: string, assumeYes: boolean): Promise<boolean> {
  if (assumeYes) return true;
  if (!process.stdin.isTTY) {
    console.error(`${question}\nNot a terminal: pass --yes to confirm.`);
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(`${question} Type yes to continue: `)).trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

const contextOf = (global: Record<string, unknown>): RunContext => {
  const json = global.json === true;
  return {
    connection: connectionFrom(global),
    json,
    output: (value, text) => console.log(json ? JSON.stringify(value, null, 2) : text()),
    confirm,
  };
};

/** commander's refusal of a command line as one line of ours (its own text starts with "error: "). */
function usageOf(error: CommanderError): CliError {
  const text = error.message.replace(/^error: /, '').split('\n')[0]!;
  return new CliError(`${text} (see ${PROGRAM} --help)`, 'USAGE', `See ${PROGRAM} --help.`, 2);
}

/** Runs the command line; resolves to the exit status. */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram(contextOf);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version print and succeed; a group without its command ("events") printed its help.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      throw error.code === 'commander.help'
        ? new CliError(`give a command (see ${PROGRAM} --help)`, 'USAGE', `See ${PROGRAM} --help.`, 2)
        : usageOf(error);
    }
    throw error;
  }
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const failure =
      error instanceof CliError
        ? error
        : new CliError(error instanceof Error ? error.message : String(error), 'INTERNAL');
    // --json is read off the raw command line, so a command line commander refused is answered as JSON too.
    if (argv.includes('--json'))
      console.error(
        JSON.stringify({
          error: { code: failure.code, message: failure.message.split('\n')[0], action: failure.action },
        }),
      );
    else console.error(failure.message);
    process.exit(failure.exitCode);
  },
);
