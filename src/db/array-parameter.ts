/**
 * Array parameters of batch statements (one array per column, `unnest`ed into rows).
 *
 * Written `(SELECT $n::type[])`, not `$n::type[]`: PostgreSQL plans a prepared statement again at every
 * execution while a plan made for the parameters at hand looks cheaper than the generic one, and with an
 * array's length in sight (unnest's row estimate) it always looks cheaper. The callback's statements were
 * planned at every execution, 0.3–0.7 ms of PostgreSQL's CPU each (EXPLAIN's planning time; pg_prepared_statements
 * counted only custom plans). Behind a scalar subquery the length is unknown to both plans, so after five
 * executions the generic plan is kept.
 */
import { Prisma } from './client';

export type ArrayElement = 'text' | 'bigint' | 'boolean' | 'jsonb';

/**
 * `values` as one array parameter of `type[]`, its length hidden from the planner (see above). Under `= ANY(…)`
 * add a cast (`ANY(${…}::bigint[])`): `ANY((SELECT …))` alone reads as the subquery form.
 */
export function arrayParameter(values: readonly unknown[], type: ArrayElement): Prisma.Sql {
  return Prisma.sql`(SELECT ${values}::${Prisma.raw(type)}[])`;
}
