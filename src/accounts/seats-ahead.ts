/**
 * The seats of an account's run of consecutive assignments, taken together (issue 24, set-based statements per
 * run). The runner (src/inbox/run-account.ts) lists, in arrival order, the assignments among the events it is
 * about to decide — only where every one of them is sure to be applied in turn: the product decides no
 * assignment (a refusal would roll one back alone) and the account is not waiting to be provisioned. The first
 * of a stretch to ask for its seat takes the seats of the whole stretch in one takeSeats; the ones after it find
 * their answer ready. The lifecycle allows all of them alike: they ask the same action of the same account, as of
 * the same pinned state. An event the list does not name takes its seat alone (takeSeat).
 */
import type { Sql } from '../db/sql';
import { takeSeat, takeSeats, type Person, type SeatTaking } from './users';

/** An assignment the run will apply: its event's arrival order, account, person and pinned account state. */
export interface AssignmentAhead {
  readonly seq: bigint;
  readonly accountIdentifier: string;
  readonly person: Person;
  /** The account's state pinned when a notice overtook the event (null: none). */
  readonly statusAtArrival: string | null;
}

export class SeatsAhead {
  private readonly ready = new Map<bigint, SeatTaking>();

  /** `run`: the run's events in arrival order, null for one that is not such an assignment. */
  constructor(
    private readonly sql: Sql,
    private readonly run: ReadonlyArray<AssignmentAhead | null> = [],
  ) {}

  /** The seat of the assignment `seq` for `person` on the account (`maxUsers` null: unlimited). */
  async take(seq: bigint, accountId: string, person: Person, maxUsers: number | null): Promise<SeatTaking> {
    const known = this.ready.get(seq);
    if (known !== undefined) {
      this.ready.delete(seq);
      return known;
    }
    const at = this.run.findIndex((assignment) => assignment?.seq === seq);
    const first = this.run[at];
    if (!first || first.accountIdentifier !== accountId || first.person.uuid !== person.uuid)
      return takeSeat(this.sql, accountId, person, maxUsers);
    const stretch: AssignmentAhead[] = [];
    for (const next of this.run.slice(at)) {
      if (!next || next.accountIdentifier !== accountId || next.statusAtArrival !== first.statusAtArrival) break;
      stretch.push(next);
    }
    if (stretch.length === 1) return takeSeat(this.sql, accountId, person, maxUsers);
    const takings = await takeSeats(
      this.sql,
      accountId,
      stretch.map((assignment) => assignment.person),
      maxUsers,
    );
    stretch.slice(1).forEach((assignment, index) => this.ready.set(assignment.seq, takings[index + 1]!));
    return takings[0]!;
  }
}
