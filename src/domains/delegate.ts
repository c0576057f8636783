/**
 * AppDirect's domain association calls, delegated to the product (src/hooks/questions.ts: domainDnsRecords,
 * domainAdded, domainRemoved, domainOwnership). The service authenticates and validates; the product, which
 * manages its customers' domains, decides. Without a product that answers them: 501 DOMAINS_NOT_SUPPORTED; no
 * usable answer within the synchronous budget: 503 PRODUCT_UNANSWERED (AppDirect may ask again).
 */
import type { Config } from '../config';
import type { PrismaClient } from '../db/client';
import { AppError } from '../errors/app-error';
import { askQuestion } from '../hooks/ask';
import type { ProductConnection } from '../hooks/product';
import type { QuestionAnswer } from '../hooks/questions';
import type { Logger } from '../logging/logger';
import type { MarketplaceClient } from '../marketplace/client';

export type DomainQuestion = 'domainDnsRecords' | 'domainAdded' | 'domainRemoved' | 'domainOwnership';

export interface DomainDeps {
  readonly config: Pick<Config, 'syncAnswerBudgetMs'> & { readonly appdirect: Config['appdirect'] };
  readonly prisma: PrismaClient;
  readonly product: ProductConnection;
  readonly marketplace: MarketplaceClient;
}

export interface DomainRequest {
  readonly customerIdentifier: string;
  readonly domain: string;
  readonly receivedAt: number;
  readonly logger: Logger;
}

/** Whether the product manages domains (answers the question this call needs). */
export function requireDomainProduct(product: ProductConnection, kind: DomainQuestion): void {
  if (!product.answers(kind)) throw new AppError('DOMAINS_NOT_SUPPORTED', { kind });
}

/** Asks the product `kind` about the customer's domain; its answer, or the catalogue error saying why there is none. */
export async function askAboutDomain<K extends DomainQuestion>(
  deps: DomainDeps,
  kind: K,
  request: DomainRequest,
  extra: Omit<QuestionAnswerData<K>, 'customerIdentifier' | 'accountIdentifier' | 'domain'>,
): Promise<QuestionAnswer<K>> {
  requireDomainProduct(deps.product, kind);
  // AppDirect's customer identifier may name one of our accounts; the product is told which.
  const account = await deps.prisma.account.findUnique({
    where: { id: request.customerIdentifier },
    select: { id: true },
  });
  const data = {
    customerIdentifier: request.customerIdentifier,
    accountIdentifier: account?.id ?? null,
    domain: request.domain.toLowerCase().replace(/\.$/, ''),
    ...extra,
  } as QuestionAnswerData<K>;
  const asked = await askQuestion(
    deps.product,
    { receivedAt: request.receivedAt, budgetMs: deps.config.syncAnswerBudgetMs },
    { type: kind, partner: null, accountIdentifier: account?.id ?? null, data },
  );
  request.logger.info(
    { question: kind, customerIdentifier: request.customerIdentifier, domain: data.domain, product: asked.kind },
    `domain ${kind}: ${asked.kind}`,
  );
  if (asked.kind === 'not_asked') throw new AppError('DOMAINS_NOT_SUPPORTED', { kind });
  if (asked.kind === 'unanswered')
    throw new AppError(
      'PRODUCT_UNANSWERED',
      { reason: asked.reason.slice(0, 300) },
      { headers: { 'Retry-After': '5' } },
    );
  return asked.answer;
}

type QuestionAnswerData<K extends DomainQuestion> = Parameters<typeof askQuestion<K>>[2]['data'];

/** A domainAdded / domainRemoved answer: done, or 422 with the product's message. */
export function doneOrRefused(answer: { done: true } | { done: false; message: string }): void {
  if (!answer.done) throw new AppError('DOMAIN_REFUSED', { reason: answer.message });
}

/**
 * AppDirect's callback URL for an ownership verification, checked like an eventUrl's origin (a configured
 * marketplace), so the verdict and its signature go nowhere else.
 */
export function checkedCallbackUrl(config: DomainDeps['config'], callbackUrl: string): string {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    throw new AppError('PARAMETER_INVALID', { name: 'callbackUrl', reason: 'not a URL' });
  }
  if (!config.appdirect.marketplaceOrigins.includes(url.origin))
    throw new AppError('PARAMETER_INVALID', {
      name: 'callbackUrl',
      reason: 'not on a configured marketplace (APPDIRECT_MARKETPLACE_URLS)',
    });
  return url.toString();
}

/**
 * POSTs the product's verdict ({"verified"}) to AppDirect's callback URL, signed like a result POST (with the
 * OAuth 1.0a key that signed the request, when one did). One attempt, logged: the answer (202) has been sent.
 */
export async function sendVerdict(
  deps: DomainDeps,
  callbackUrl: string,
  verified: boolean,
  consumerKey: string | null,
  logger: Logger,
): Promise<void> {
  const consumer = consumerKey
    ? deps.config.appdirect.consumerCredentials.find((credential) => credential.key === consumerKey)
    : undefined;
  try {
    const { status } = await deps.marketplace.postJson(callbackUrl, JSON.stringify({ verified }), { consumer });
    const level = status >= 200 && status < 300 ? 'info' : 'warn';
    logger[level]({ callbackUrl, verified, status }, 'domain verification sent to AppDirect');
  } catch (error) {
    logger.warn({ callbackUrl, verified, err: (error as Error).message }, 'domain verification could not be sent');
  }
}
