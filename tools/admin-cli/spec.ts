/** What a command of the admin CLI is (the command table, commands.ts) and what its action gets. */
import type { Option } from 'commander';
import type { Connection } from './client';

/** What a command's action gets: the connection, whether --json was asked for, and how to print. */
export interface RunContext {
  readonly connection: Connection;
  readonly json: boolean;
  /** With --json the API's answer on stdout as it is; otherwise `text()` for people. */
  output(value: unknown, text: () => string): void;
  /** Asks before sending AppDirect a second result; `--yes` answers for scripts. */
  confirm(question: string, assumeYes: boolean): Promise<boolean>;
}

export interface CommandSpec {
  /** `['events', 'list']`: the command as typed. */
  readonly path: readonly [string] | readonly [string, string];
  readonly summary: string;
  /** commander argument syntax: `<token>` required, `[token]` optional. */
  readonly args?: readonly string[];
  readonly options?: () => Option[];
  run(context: RunContext, args: string[], options: Record<string, string | boolean | undefined>): Promise<void>;
}
