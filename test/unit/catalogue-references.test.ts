/**
 * What the catalogue's texts point at must exist: a README or docs section it names, a variable it names, a
 * value it suggests (checked by the real configuration loader), an endpoint it sends people to, an npm
 * script it names. A message that points nowhere sends an operator on a hunt at the worst moment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lifecycleRules } from '../../src/accounts/lifecycle';
import { ConfigError, loadConfig } from '../../src/config';
import { envSchema } from '../../src/config/schema';
import { SECRET_VARIABLES } from '../../src/config/secret-files';
import { EVENT_ERROR_CODES, HTTP_ERRORS } from '../../src/errors/catalogue';
import { renderErrorReference } from '../../src/docs/errors';
import { EVENT_TYPES } from '../../src/events/schema';
import { adminApiDocument } from '../../src/http/admin/api';
import { productApiDocument } from '../../src/http/product/router';
import { serviceDocument } from '../../src/http/routes/service';

const ROOT = path.resolve(__dirname, '..', '..');

interface Text {
  /** Where the text comes from, for the failure message: `AUTH_MISSING.action`. */
  readonly where: string;
  readonly text: string;
}

/** Every text the catalogue (and the lifecycle table docs/errors.md renders with it) shows to someone. */
function catalogueTexts(): Text[] {
  const texts: Text[] = [];
  for (const [code, entry] of Object.entries(HTTP_ERRORS)) {
    texts.push({ where: `${code}.message`, text: entry.message }, { where: `${code}.action`, text: entry.action });
  }
  for (const [code, entry] of Object.entries(EVENT_ERROR_CODES)) {
    for (const field of ['appdirect', 'usedWhen', 'userMessage'] as const)
      texts.push({ where: `${code}.${field}`, text: entry[field] });
  }
  for (const rule of lifecycleRules()) {
    for (const refusal of rule.refusals) {
      texts.push(
        { where: `lifecycle ${rule.action} from ${refusal.from}.message`, text: refusal.message },
        { where: `lifecycle ${rule.action} from ${refusal.from}.action`, text: refusal.action },
      );
    }
  }
  return texts;
}

/** The headings of a Markdown file, without their `#` marks. */
function headingsOf(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} +(.+?) *$/gm)].map((match) => match[1]!));
}

function documentText(file: string): string {
  // docs/errors.md is generated from the catalogue under test: read what it renders, not a stale copy.
  return file === 'docs/errors.md' ? renderErrorReference() : readFileSync(path.join(ROOT, file), 'utf8');
}

/** A document a text names: README (README.md) or docs/<name>.md. */
const DOCUMENT = /\b(README(?:\.md)?|docs\/[\w-]+\.md)\b/g;
/** A document followed by the section it points at: `README, "Connecting AppDirect"`. */
const DOCUMENT_SECTION = /\b(README(?:\.md)?|docs\/[\w-]+\.md),? "([^"]+)"/g;
/** A section of docs/errors.md itself: `see "Subscription states" below`. */
const SECTION_BELOW = /"([^"]+)" below/g;

const fileOf = (document: string): string => (document.startsWith('README') ? 'README.md' : document);

/** Environment variables the service reads: the schema's names and their `<NAME>_FILE` forms. */
const VARIABLES = new Set([...Object.keys(envSchema.shape), ...SECRET_VARIABLES.map((name) => `${name}_FILE`)]);

/**
 * Upper-case names that are not variables: AppDirect's event types (handled or not), the catalogue's own
 * codes. Any other NAME_WITH_UNDERSCORES in a text is taken as a variable and must be one.
 */
const PROTOCOL_NAMES = new Set([
  ...EVENT_TYPES,
  'USER_SYNC',
  'ACCOUNT_SYNC',
  ...Object.keys(EVENT_ERROR_CODES),
  ...Object.keys(HTTP_ERRORS),
]);

/**
 * Variable names a text mentions. `APPDIRECT_CONSUMER_KEY/_SECRET` names two variables; the second is
 * spelled out before checking.
 */
function variablesIn(text: string): string[] {
  const expanded = text.replace(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)_([A-Z0-9]+)\/_([A-Z0-9_]+)\b/g, '$1_$2 $1_$3');
  return [...expanded.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)]
    .map((match) => match[0])
    .filter((name) => !PROTOCOL_NAMES.has(name));
}

/** `NAME=value` suggestions: a variable with a concrete value (a sentence's full stop is not part of it). */
function suggestedValuesIn(text: string): Array<{ name: string; value: string }> {
  return [...text.matchAll(/\b([A-Z][A-Z0-9_]*)=([^\s,;()"'<>{}]+)/g)].map((match) => ({
    name: match[1]!,
    value: match[2]!.replace(/\.$/, ''),
  }));
}

/** The problems the real loader reports for this one variable when it alone is set to `value`. */
function configProblemsFor(name: string, value: string): string[] {
  try {
    loadConfig({ [name]: value });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.filter((problem) => problem.startsWith(`${name}:`));
  }
}

/** `GET /admin/api/events/{token}/product-calls` and the like; query strings and placeholders kept as in the text. */
function endpointsIn(text: string): Array<{ method: string; path: string }> {
  return [...text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/[^\s;,)]*)/g)].map((match) => ({
    method: match[1]!,
    path: match[2]!.replace(/[.?][^/]*$/, ''),
  }));
}

/** Whether an OpenAPI document (generated from a route table) declares `method path` under its server URL. */
function inOpenApi(
  document: { servers?: ReadonlyArray<{ url: string }>; paths?: object },
  method: string,
  endpoint: string,
): boolean {
  const server = document.servers?.[0]?.url ?? '/';
  const base = server === '/' ? '' : server;
  if (!endpoint.startsWith(`${base}/`)) return false;
  const relative = endpoint.slice(base.length);
  const asTemplate = (p: string): string => p.replace(/\{[^}]+\}/g, '{}');
  const operations = Object.entries(document.paths ?? {}).find(([p]) => asTemplate(p) === asTemplate(relative))?.[1] as
    Record<string, unknown> | undefined;
  return operations?.[method.toLowerCase()] !== undefined;
}

const texts = catalogueTexts();

describe('what catalogue messages point at', () => {
  it('reads texts from every catalogue entry', () => {
    expect(texts.length).toBeGreaterThan(2 * Object.keys(HTTP_ERRORS).length);
  });

  it('every README or docs file a message names exists, and the message names the section to read', () => {
    const problems: string[] = [];
    for (const { where, text } of texts) {
      const mentions = [...text.matchAll(DOCUMENT)].length;
      const sections = [...text.matchAll(DOCUMENT_SECTION)].length;
      if (mentions > sections) problems.push(`${where} names a document without its section: ${text}`);
      for (const [, document] of text.matchAll(DOCUMENT)) {
        try {
          documentText(fileOf(document!));
        } catch {
          problems.push(`${where} names ${document}, which does not exist`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every README or docs section a message names is a heading of that file', () => {
    const problems: string[] = [];
    for (const { where, text } of texts) {
      for (const [, document, section] of text.matchAll(DOCUMENT_SECTION)) {
        const file = fileOf(document!);
        if (!headingsOf(documentText(file)).has(section!))
          problems.push(`${where}: ${file} has no section "${section}"`);
      }
      for (const [, section] of text.matchAll(SECTION_BELOW)) {
        if (!headingsOf(renderErrorReference()).has(section!))
          problems.push(`${where}: docs/errors.md has no section "${section}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every variable a message names is one the configuration reads', () => {
    const named = new Set(texts.flatMap(({ text }) => variablesIn(text)));
    for (const known of ['EVENT_MAX_ATTEMPTS', 'APPDIRECT_CONSUMER_SECRET', 'PRODUCT_API_TOKENS'])
      expect(named).toContain(known);
    const problems = texts.flatMap(({ where, text }) =>
      variablesIn(text)
        .filter((name) => !VARIABLES.has(name))
        .map((name) => `${where} names ${name}, which the configuration does not read`),
    );
    expect(problems).toEqual([]);
  });

  it('every NAME=value a message suggests is accepted by the configuration loader', () => {
    const suggestions = texts.flatMap(({ where, text }) =>
      suggestedValuesIn(text).map((suggestion) => ({ where, ...suggestion })),
    );
    // The check itself: the loader refuses what the issue found suggested.
    expect(configProblemsFor('TRUST_PROXY', 'true')).not.toEqual([]);
    const problems = suggestions.flatMap(({ where, name, value }) => {
      if (!VARIABLES.has(name))
        return [`${where} suggests ${name}=${value}, a variable the configuration does not read`];
      return configProblemsFor(name, value).map((problem) => `${where} suggests ${name}=${value}: ${problem}`);
    });
    expect(problems).toEqual([]);
  });

  it('every endpoint a message sends people to is one the service serves', () => {
    const named = texts.flatMap(({ text }) => endpointsIn(text)).map(({ method, path: p }) => `${method} ${p}`);
    for (const known of [
      'POST /oauth2/token',
      'GET /admin/api/events/{token}/product-calls',
      'GET /product/api/accounts',
    ])
      expect(named).toContain(known);
    const problems = texts.flatMap(({ where, text }) =>
      endpointsIn(text)
        .filter(
          ({ method, path: endpoint }) =>
            ![adminApiDocument(), productApiDocument(), serviceDocument()].some((document) =>
              inOpenApi(document, method, endpoint),
            ),
        )
        .map(({ method, path: endpoint }) => `${where} names ${method} ${endpoint}, which is not served`),
    );
    expect(problems).toEqual([]);
  });

  it('every npm script a message names exists', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts;
    const problems = texts.flatMap(({ where, text }) =>
      [...text.matchAll(/npm run ([\w:-]+)/g)]
        .filter(([, script]) => !Object.hasOwn(scripts, script!))
        .map(([, script]) => `${where} names npm run ${script}, which package.json does not define`),
    );
    expect(problems).toEqual([]);
  });
});
