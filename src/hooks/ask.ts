/**
 * Asking the product a question (src/hooks/questions.ts) within a synchronous answer's budget: its answer, or
 * why there is none (not asked: PRODUCT_DECIDE does not name it; unanswered: timeout, failure, not an answer).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ProductCallFailure } from './failure';
import type { QuestionKind } from './kinds';
import type { ProductConnection } from './product';
import type { ProductQuestion, QUESTION_DATA, QuestionAnswer } from './questions';

/** Kept for sending the answer once the product is asked. */
const ANSWER_RESERVE_MS = 150;

export type Asked<K extends QuestionKind> =
  | { readonly kind: 'answered'; readonly answer: QuestionAnswer<K> }
  | { readonly kind: 'not_asked' }
  | { readonly kind: 'unanswered'; readonly reason: string };

export async function askQuestion<K extends QuestionKind>(
  product: ProductConnection,
  budget: { readonly receivedAt: number; readonly budgetMs: number },
  question: {
    type: K;
    partner: string | null;
    accountIdentifier: string | null;
    data: z.output<(typeof QUESTION_DATA)[K]>;
  },
): Promise<Asked<K>> {
  if (!product.answers(question.type)) return { kind: 'not_asked' };
  const call = {
    ...question,
    version: 1,
    mode: 'decide',
    questionId: `${question.type}-${randomUUID()}`,
    receivedAt: new Date(budget.receivedAt).toISOString(),
  } as ProductQuestion<K>;
  const timeoutMs = budget.receivedAt + budget.budgetMs - Date.now() - ANSWER_RESERVE_MS;
  try {
    if (timeoutMs <= 0) throw new ProductCallFailure('no time was left in the synchronous budget to ask');
    const { answer } = await product.ask<K>(call, timeoutMs);
    return { kind: 'answered', answer };
  } catch (error) {
    if (error instanceof ProductCallFailure) return { kind: 'unanswered', reason: error.reason };
    throw error;
  }
}
