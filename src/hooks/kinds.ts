export {
  HOOK_KINDS,
  isHookKind,
  isQuestionKind,
  QUESTION_KINDS,
  type HookKind,
  type QuestionKind,
} from '../config/call-kinds';

/** A notify call as written with the event's final state: made right after commit without reading it back. */
export interface HookCallRecord {
  readonly id: bigint;
  readonly kind: string;
  /** The call as the contract defines it (src/hooks/contract.ts), stored in hook_calls.args. */
  readonly call: unknown;
  readonly accountId: string | null;
  readonly eventToken: string;
}
