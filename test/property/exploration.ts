/**
 * Property tests run in two modes.
 *
 *  - `npm test` (and CI): fixed seeds and the counterexamples recorded in each file, the same cases on every
 *    run, so a submission never passes or fails by chance.
 *  - `npm run test:explore`: the same properties with a fresh random seed each (printed, with the command that
 *    replays it), for a time budget per property (PROPERTY_EXPLORE_SECONDS, default 120). Every failure it
 *    finds is fixed and recorded as a fixed case in the property's file (its RECORDED / examples list).
 *
 * FC_SEED=<seed> pins the exploring seed (replaying a finding).
 */
import path from 'node:path';
import type { Parameters } from 'fast-check';

export const EXPLORING = process.env.PROPERTY_EXPLORE === '1';

const BUDGET_MS = Number(process.env.PROPERTY_EXPLORE_SECONDS ?? 120) * 1000;

const exploringSeed = (): number =>
  process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

/** The seeds to run: the fixed one in tests; a fresh random one (logged) when exploring. */
export function seedsToRun(fixed: number, property: string): Array<[label: string, seed: number]> {
  if (!EXPLORING) return [['fixed', fixed]];
  const seed = exploringSeed();
  const file = path.relative(process.cwd(), expect.getState().testPath ?? 'test/property');
  console.log(
    `${property}: exploring with seed ${seed} (replay: FC_SEED=${seed} npm run test:explore -- ${path.basename(file)})`,
  );
  return [['random', seed]];
}

/**
 * fast-check's run settings: `numRuns` cases in tests; when exploring, as many as fit in the budget (reaching it
 * is not a failure).
 */
export function runSettings<T>(seed: number, numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  return EXPLORING
    ? { ...extra, seed, numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false }
    : { ...extra, seed, numRuns };
}

/** A Jest timeout that covers the exploring budget. */
export const timeoutFor = (testMs: number): number => (EXPLORING ? BUDGET_MS + testMs : testMs);
