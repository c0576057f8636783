/**
 * The one catalogue of every error the service returns over HTTP, and of the
 * AppDirect event error codes it reports back to the marketplace. The HTTP error
 * handler, the workers and docs/errors.md (`npm run docs:errors`) all read it.
 */

export interface HttpErrorEntry {
  readonly status: number;
  /** Message template; `{name}` placeholders are filled from the error's params. */
  readonly message: string;
  /** What the caller or operator should do about it. */
  readonly action: string;
  /** Heading it is listed under in docs/errors.md. */
  readonly group: 'Request' | 'Authentication' | 'Callback' | 'Admin' | 'Product' | 'Server';
}

export const HTTP_ERRORS = {
  PARAMETER_MISSING: {
    status: 400,
    group: 'Request',
    message: "Parameter '{name}' is required.",
    action: "Send '{name}'; see the endpoint's documentation for its format.",
  },
  PARAMETER_INVALID: {
    status: 400,
    group: 'Request',
    message: "Parameter '{name}' is invalid: {reason}.",
    action: "Correct '{name}' and send the request again.",
  },
  BODY_MALFORMED: {
    status: 400,
    group: 'Request',
    message: 'The request body could not be parsed: {reason}.',
    action: 'Send a well-formed body of the declared Content-Type.',
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    group: 'Request',
    message: 'There is no {method} {path} on this service.',
    action:
      'Check the URL against the README, "HTTP endpoints"; the AppDirect callback is GET /appdirect/events?eventUrl={eventUrl}.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    group: 'Request',
    message: '{method} is not allowed on {path}; allowed: {allowed}.',
    action: 'Use one of the methods in the Allow header.',
  },
  NOT_ACCEPTABLE: {
    status: 406,
    group: 'Request',
    message: 'This endpoint answers {available}, which the Accept header ({accept}) does not allow.',
    action: 'Send Accept: {available} (or */*).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    group: 'Request',
    message: 'The request body is larger than the {limit} this endpoint accepts.',
    action: 'Send a smaller body; bulk operations take a filter instead of a list.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    group: 'Request',
    message: "Content-Type must be {expected}, not '{received}'.",
    action: 'Send the body as {expected} with a matching Content-Type header.',
  },
  UNSUPPORTED_CHARSET: {
    status: 415,
    group: 'Request',
    message: "The body's charset '{charset}' is not supported here; supported: {supported}.",
    action: 'Send the body in one of the supported charsets (UTF-8 is always one) and name it in Content-Type.',
  },
  UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    group: 'Request',
    message: "Content-Encoding '{encoding}' is not supported; supported: {supported}.",
    action: 'Send the body uncompressed, or compressed with one of the supported encodings.',
  },
  MALFORMED_REQUEST: {
    status: 400,
    group: 'Request',
    message: 'The request could not be read as HTTP/1.1: {reason}.',
    action: 'Send one well-formed request (one Content-Length, ASCII header names, a Host header).',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    group: 'Request',
    message: 'The request did not arrive completely in time.',
    action: 'Send the whole request promptly, then retry.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    group: 'Request',
    message: 'The request headers are larger than this server accepts.',
    action: 'Send fewer or shorter headers (cookies are the usual culprit).',
  },
  EXPECTATION_FAILED: {
    status: 417,
    group: 'Request',
    message: 'The Expect header asks for something this server does not do.',
    action: 'Send Expect: 100-continue or no Expect header.',
  },
  BODY_INVALID: {
    status: 400,
    group: 'Request',
    message: 'The request body has {count} invalid field(s): {fields}.',
    action:
      "Fix the fields listed in 'details' and send the request again (AppDirect's questions: report the request id to the operators, it names what AppDirect sent).",
  },
  VALIDATION_FAILED: {
    status: 422,
    group: 'Request',
    message: 'The request body has {count} invalid field(s): {fields}.',
    action: "Fix the fields listed in 'details' and send the request again.",
  },
  RATE_LIMITED: {
    status: 429,
    group: 'Request',
    message: 'Too many requests from this client; try again in {retryAfter} s.',
    action: 'Wait for the number of seconds in the Retry-After header, then retry.',
  },
  AUTH_REQUIRED: {
    status: 401,
    group: 'Authentication',
    message: 'This endpoint needs credentials ({schemes}).',
    action: 'Send an Authorization header with one of the schemes named in WWW-Authenticate.',
  },
  AUTH_MISSING: {
    status: 401,
    group: 'Authentication',
    message: 'The request carries no credentials; this endpoint accepts {schemes}.',
    action:
      'Configure the credentials in AppDirect (README, "Connecting AppDirect") so every notification carries them.',
  },
  AUTH_MALFORMED: {
    status: 401,
    group: 'Authentication',
    message: 'The {scheme} credentials could not be read: {reason}.',
    action: 'Send a well-formed Authorization header (or OAuth query parameters).',
  },
  AUTH_UNKNOWN_KEY: {
    status: 401,
    group: 'Authentication',
    message: "The OAuth consumer key '{key}' is not configured here.",
    action: 'Add the key and its secret to APPDIRECT_CONSUMER_CREDENTIALS (or APPDIRECT_CONSUMER_KEY/_SECRET).',
  },
  AUTH_BAD_SIGNATURE: {
    status: 401,
    group: 'Authentication',
    message: 'The OAuth signature does not match the request.',
    action:
      'Check the consumer secret, and that the URL AppDirect calls is this service\'s public URL: behind a reverse proxy, set TRUST_PROXY=1 (one load balancer) or the proxies\' addresses, e.g. TRUST_PROXY=10.0.0.0/8 (README, "Connecting AppDirect").',
  },
  AUTH_TIMESTAMP_EXPIRED: {
    status: 401,
    group: 'Authentication',
    message: "The OAuth timestamp is {skew} s away from this server's clock; at most {window} s is accepted.",
    action: "Check the clocks (NTP) of this server; AppDirect's are kept in sync.",
  },
  AUTH_NONCE_REPLAYED: {
    status: 401,
    group: 'Authentication',
    message: 'This OAuth nonce was already used within the timestamp window; the request looks like a replay.',
    action: 'Sign every request with a fresh nonce. If AppDirect sent it, report the request id to the operators.',
  },
  AUTH_BAD_CREDENTIALS: {
    status: 401,
    group: 'Authentication',
    message: 'The {scheme} credentials are not valid.',
    action: 'Check the username and password (or client id and secret) configured in AppDirect against this service.',
  },
  AUTH_TOKEN_INVALID: {
    status: 401,
    group: 'Authentication',
    message: 'The bearer token is invalid or has expired.',
    action: 'Obtain a new token from POST /oauth2/token.',
  },
  OAUTH2_UNSUPPORTED_GRANT: {
    status: 400,
    group: 'Authentication',
    message: "grant_type '{grantType}' is not supported; only client_credentials is.",
    action: 'Request a token with grant_type=client_credentials.',
  },
  OAUTH2_INVALID_CLIENT: {
    status: 401,
    group: 'Authentication',
    message: 'Client authentication failed: the client id and secret are missing or not valid.',
    action:
      'Authenticate with HTTP Basic (client id and secret) as configured in APPDIRECT_OAUTH2_CLIENT_ID/_SECRET. The body also carries error=invalid_client (RFC 6749 §5.2).',
  },
  OAUTH2_NOT_CONFIGURED: {
    status: 404,
    group: 'Authentication',
    message: 'This service issues no OAuth 2.0 tokens: APPDIRECT_OAUTH2_CLIENT_ID is not configured.',
    action: 'Set APPDIRECT_OAUTH2_CLIENT_ID and APPDIRECT_OAUTH2_CLIENT_SECRET, or use another credential model.',
  },
  CALLBACK_NOT_CONFIGURED: {
    status: 503,
    group: 'Callback',
    message: 'No AppDirect credentials are configured, so this service accepts no notification.',
    action:
      'Set APPDIRECT_BASIC_USERNAME/_PASSWORD, APPDIRECT_OAUTH2_CLIENT_ID/_SECRET or APPDIRECT_CONSUMER_KEY/_SECRET, and APPDIRECT_MARKETPLACE_URLS (README, "Connecting AppDirect").',
  },
  DOMAINS_NOT_SUPPORTED: {
    status: 501,
    group: 'Callback',
    message: "This service's product does not manage customer domains ({kind} is not among the questions it answers).",
    action:
      'A product that manages domains names domainDnsRecords, domainAdded, domainRemoved and domainOwnership in PRODUCT_DECIDE (docs/hooks.md, "Questions"); otherwise leave the domain URLs out of AppDirect.',
  },
  PRODUCT_UNANSWERED: {
    status: 503,
    group: 'Callback',
    message: 'The product gave no usable answer in time: {reason}.',
    action: 'Ask again in a moment; operators: the product call is logged with the reason (and counted by kind).',
  },
  DOMAIN_REFUSED: {
    status: 422,
    group: 'Callback',
    message: 'The product refused: {reason}',
    action: 'Correct the request (the domain, the customer) as the message says.',
  },
  ADMIN_TOKEN_INVALID: {
    status: 401,
    group: 'Admin',
    message: 'The admin token is missing or not valid.',
    action: 'Send Authorization: Bearer <one of the ADMIN_TOKEN tokens>, or log in again on /admin.',
  },
  CSRF_REJECTED: {
    status: 403,
    group: 'Admin',
    message: 'The form was not sent from this admin page (CSRF check failed).',
    action: 'Reload the admin page and submit the form again.',
  },
  EVENT_NOT_FOUND: {
    status: 404,
    group: 'Admin',
    message: "There is no event with token '{token}'.",
    action: 'Check the token (the last segment of the eventUrl) or search with GET /admin/api/events.',
  },
  ADMIN_ACCOUNT_NOT_FOUND: {
    status: 404,
    group: 'Admin',
    message: "There is no account '{accountIdentifier}'.",
    action: 'Search with GET /admin/api/accounts?search=<company name, company uuid or user e-mail>.',
  },
  EVENT_NOT_RETRYABLE: {
    status: 409,
    group: 'Admin',
    message:
      "Event '{token}' is {status}; only failed or refused events, or events whose result delivery failed, can be retried.",
    action: 'Nothing to do for a succeeded event; an unfinished one is still being worked on (see its timeline).',
  },
  EVENT_RETRY_NEEDS_FORCE: {
    status: 409,
    group: 'Admin',
    message:
      "AppDirect already received the failure of event '{token}'; running it again sends AppDirect a second result.",
    action:
      'If AppDirect should get a second result, retry again with force set to true in the body (CLI: --force; the page asks to confirm).',
  },
  EVENT_NOT_RERUNNABLE: {
    status: 409,
    group: 'Admin',
    message: "Event '{token}' is {status}; only a failed or refused event can be run again.",
    action:
      'A succeeded event needs nothing; an unfinished one is still being worked on (see its timeline); a result that did not reach AppDirect is re-sent with POST /admin/api/events/{token}/resend-result.',
  },
  RESULT_NOT_RESENDABLE: {
    status: 409,
    group: 'Admin',
    message:
      "The result of event '{token}' is {delivery}; only a result whose delivery failed for good can be re-sent.",
    action:
      'A delivered result needs nothing, and one still being delivered is retried by itself (see its delivery attempts); to run the event again use POST /admin/api/events/{token}/rerun.',
  },
  EVENT_NOT_REASKABLE: {
    status: 409,
    group: 'Admin',
    message:
      "Event '{token}' is {status} and not waiting for a decision of the product; only an event waiting for one, or a failed or refused event (run again from the start), can be re-asked.",
    action:
      'See the event and its product calls (GET /admin/api/events/{token}/product-calls): a succeeded event needs nothing, an unfinished one is still being worked on.',
  },
  BULK_RETRY_INTERRUPTED: {
    status: 500,
    group: 'Admin',
    message:
      'The bulk retry stopped after {queued} of {matched} event(s) were queued: a later batch could not be committed.',
    action:
      'The queued events are being retried (each batch is audited with its change) and the others were not changed; send the same request again once the cause is fixed (the logs name it).',
  },
  EVENT_NOT_CANCELLABLE: {
    status: 409,
    group: 'Admin',
    message: "Event '{token}' is already {status} and cannot be cancelled.",
    action: 'Only events not yet finished (received, queued, processing) can be cancelled.',
  },
  ADMIN_DISABLED: {
    status: 403,
    group: 'Admin',
    message: 'The admin interface is disabled because ADMIN_TOKEN is not configured.',
    action: 'Set ADMIN_TOKEN (README, "Configuration") and restart the API.',
  },
  PRODUCT_CALL_NOT_OWED: {
    status: 409,
    group: 'Admin',
    message:
      "Event '{token}' owes no notify call {id} to the product (it was taken, or is not a notify call of this event).",
    action:
      'See GET /admin/api/events/{token}/product-calls; only calls with done=false and mode=notify can be re-sent.',
  },
  REPORT_NOT_FOUND: {
    status: 404,
    group: 'Admin',
    message: "There is no report '{id}' of the product.",
    action: 'List them with GET /admin/api/reports (CLI: usage list).',
  },
  REPORT_NOT_RESENDABLE: {
    status: 409,
    group: 'Admin',
    message: "Report '{id}' is {status}; only a failed or pending report can be re-sent.",
    action:
      'A delivered report needs nothing (sending it again would bill twice); a cancelled one stays cancelled: the product reports it again under a new key if it is owed.',
  },
  REPORT_NOT_CANCELLABLE: {
    status: 409,
    group: 'Admin',
    message: "Report '{id}' is {status}; only a pending or failed report can be cancelled.",
    action: 'A delivered report is at the marketplace: correct it there (a credit), not here.',
  },
  PRODUCT_API_DISABLED: {
    status: 403,
    group: 'Product',
    message: 'The product API is disabled because PRODUCT_API_TOKENS is not configured.',
    action: 'Set PRODUCT_API_TOKENS (see the README, "Connecting your product") and restart the API.',
  },
  PRODUCT_TOKEN_INVALID: {
    status: 401,
    group: 'Product',
    message: 'The product API token is missing or not valid.',
    action: 'Send Authorization: Bearer <one of the PRODUCT_API_TOKENS tokens> (the admin token is not accepted here).',
  },
  PRODUCT_ACCOUNT_NOT_FOUND: {
    status: 404,
    group: 'Product',
    message: "There is no account '{accountIdentifier}'.",
    action:
      'Use the accountIdentifier of a call, or look the company up with GET /product/api/accounts?companyUuid=<uuid>.',
  },
  PRODUCT_EVENT_NOT_FOUND: {
    status: 404,
    group: 'Product',
    message: "There is no event with token '{token}'.",
    action: "Use the eventToken of the decide call that was answered 'pending'.",
  },
  DECISION_NOT_AWAITED: {
    status: 409,
    group: 'Product',
    message: "Event '{token}' is not awaiting a decision from the product: {reason}.",
    action: 'Only an event answered pending, and still waiting, can be completed; once answered PENDING it is final.',
  },
  PRODUCT_ACCOUNT_NOT_LIVE: {
    status: 409,
    group: 'Product',
    message: "Account '{accountIdentifier}' is {status}: it takes no more reports.",
    action:
      'Report usage and users of active or suspended accounts only; usage of a cancelled subscription is billed by AppDirect up to its cancellation, so report it before you confirm the cancellation.',
  },
  PRODUCT_ADDON_NOT_FOUND: {
    status: 404,
    group: 'Product',
    message: "Account '{accountIdentifier}' has no active add-on '{addonInstanceId}'.",
    action: 'Use an addonInstanceId from GET /product/api/accounts/{accountIdentifier} (its addons, status active).',
  },
  MAX_USERS_REACHED: {
    status: 409,
    group: 'Product',
    message:
      "Every seat of account '{accountIdentifier}' is taken ({maxUsers}, the owner's included); nothing was stored.",
    action:
      'The customer buys more seats on AppDirect, or your product unassigns a user first (user-sync with operation unassign). The same refusal AppDirect gets for an assignment past the seats.',
  },
  PRODUCT_USER_ALREADY_ASSIGNED: {
    status: 409,
    group: 'Product',
    message: "The user already holds a seat on account '{accountIdentifier}'; nothing was stored.",
    action:
      'Nothing to tell AppDirect: it knows of the seat (GET /product/api/accounts/{accountIdentifier} lists the users).',
  },
  PRODUCT_USER_NOT_FOUND: {
    status: 404,
    group: 'Product',
    message: "The user holds no seat on account '{accountIdentifier}'; nothing was stored.",
    action:
      'Name the user as when it was assigned (appdirectUuid for a user AppDirect assigned, else the same externalId); GET /product/api/accounts/{accountIdentifier} lists the users.',
  },
  PRODUCT_OWNER_NOT_UNASSIGNABLE: {
    status: 409,
    group: 'Product',
    message: "The user is the owner of account '{accountIdentifier}' and cannot be unassigned; nothing was stored.",
    action: 'Ownership changes on AppDirect (a SUBSCRIPTION_CHANGE names the new owner), not through user sync.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    group: 'Product',
    message: "Idempotency-Key '{key}' was used for another report (report {reportId}); nothing was stored.",
    action:
      'Send a new key for a new report; the same key is for sending the same report again (it is then answered as the first time).',
  },
  INTERNAL_ERROR: {
    status: 500,
    group: 'Server',
    message: 'An unexpected error occurred while handling the request.',
    action: 'Retry later; if it persists, give the requestId to the operators, who will find the cause in the logs.',
  },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    group: 'Server',
    message: '{dependency} is not reachable; the request was not processed.',
    action: 'Retry after the number of seconds in Retry-After; operators: check /status and the {dependency} server.',
  },
  NOT_READY: {
    status: 503,
    group: 'Server',
    message: 'This instance is not ready to take requests: {dependency} not available.',
    action:
      'Load balancers and Kubernetes send traffic to other instances until /readyz answers 200; operators: GET /status with an admin token for the details.',
  },
  DEPENDENCY_MISCONFIGURED: {
    status: 503,
    group: 'Server',
    message: '{dependency} is set up in a way this service cannot work with ({problems}).',
    action:
      'Operators: the log and GET /status with an admin token give each problem and what to do (codes below); the check runs again every minute and whenever Redis reconnects, and clears by itself once the set-up is fixed.',
  },
  REDIS_EVICTION_POLICY: {
    status: 503,
    group: 'Server',
    message:
      'Redis {server} has maxmemory-policy {policy}: it may evict queue keys (jobs, locks) under memory pressure.',
    action: 'Set maxmemory-policy noeviction (on a managed service: in its parameter group or configuration).',
  },
  REDIS_CLUSTER_NODE_AS_SERVER: {
    status: 503,
    group: 'Server',
    message:
      'Redis {server} is a node of a Redis Cluster, but the service was configured for a single server: commands for other slots would answer MOVED and the queues would not run.',
    action:
      'Set REDIS_CLUSTER_NODES to some or all nodes of the cluster, as host:port separated by commas (docs/deploy.md, "Redis: one server, Sentinel or Cluster").',
  },
  REDIS_NOT_A_CLUSTER: {
    status: 503,
    group: 'Server',
    message: 'REDIS_CLUSTER_NODES is set, but Redis has no cluster mode (cluster support disabled).',
    action: 'Unset REDIS_CLUSTER_NODES for a single server (docs/deploy.md, "Redis: one server, Sentinel or Cluster").',
  },
  REDIS_IS_SENTINEL: {
    status: 503,
    group: 'Server',
    message: 'Redis {server} is a Sentinel, not a data server.',
    action:
      'Set REDIS_SENTINELS to the sentinels (host:port separated by commas) and REDIS_SENTINEL_NAME to the name of the primary they watch (docs/deploy.md, "Redis: one server, Sentinel or Cluster").',
  },
  REDIS_INFO_REFUSED: {
    status: 503,
    group: 'Server',
    message: 'Redis {server} refuses INFO to this user ({reason}).',
    action:
      "Allow INFO in the user's ACL (+info): the service checks the server's set-up with it, and BullMQ needs it.",
  },
  DATABASE_REFUSED: {
    status: 503,
    group: 'Server',
    message: 'DATABASE_URL ({database}): {reason}.',
    action:
      'Fix the URL or the server as the message says (docs/deploy.md, "Managed PostgreSQL and Redis"); the service connects again by itself.',
  },
  DATABASE_TABLES_NOT_FOUND: {
    status: 503,
    group: 'Server',
    message:
      "DATABASE_URL ({database}): the role {role} does not find the service's tables in its search_path (schema {schema}).",
    action:
      'Run the migrations (npm run db:migrate, with MIGRATION_DATABASE_URL for an owner role), point the URL at their schema (schema=<name>), and let the role use it: {grants}',
  },
  DATABASE_PRIVILEGES_MISSING: {
    status: 503,
    group: 'Server',
    message: 'DATABASE_URL ({database}): the role {role} may not use {objects} in schema {schema}.',
    action:
      'As the owner run: {grants} (and ALTER DEFAULT PRIVILEGES, docs/deploy.md, "PostgreSQL: an owner role for migrations, DML only for the service", so tables of later migrations are granted too).',
  },
  WORKER_STALLED: {
    status: 503,
    group: 'Server',
    message: 'This worker has not started or finished a job for {seconds} s while {waiting} job(s) wait.',
    action:
      'The orchestrator restarts the worker (liveness probe); operators: look in its log for a provisioning hook or a call that does not return.',
  },
} as const satisfies Record<string, HttpErrorEntry>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** Placeholder names of a template, e.g. "a {x} b {y}" -> "x" | "y". */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** The params an HTTP error code needs, read off its message and action templates. */
export type HttpErrorParams<C extends HttpErrorCode> = {
  [
    K in Exclude<
      Placeholders<(typeof HTTP_ERRORS)[C]['message']> | Placeholders<(typeof HTTP_ERRORS)[C]['action']>,
      'eventUrl'
    >
  ]: string | number;
};

export interface EventErrorEntry {
  /** AppDirect's own description (event error codes reference). */
  readonly appdirect: string;
  /** When this service reports it. */
  readonly usedWhen: string;
  /** Default message shown to the marketplace user when nothing more specific is known. */
  readonly userMessage: string;
  /**
   * The status an event finishes with when this code is its answer. `refused`: a business answer AppDirect
   * shows its user; final, nothing for an operator to do. `failed`: the service (or the product) could not
   * do the work; an operator should look, and usually run the event again once the cause is fixed.
   */
  readonly eventStatus: 'refused' | 'failed';
  /** Why this code is a refusal or a failure (docs/errors.md). */
  readonly statusReason: string;
}

/**
 * The 13 AppDirect event error codes, reported in the result object
 * (`{"success":false,"errorCode":...}`), never as HTTP statuses.
 */
export const EVENT_ERROR_CODES = {
  USER_ALREADY_EXISTS: {
    appdirect: 'The buyer already has an account bought directly from the vendor; AppDirect prompts to link accounts.',
    usedWhen:
      'SUBSCRIPTION_ORDER whose creator owns a live account of the same product (application) for another company; USER_ASSIGNMENT of a user who already holds a seat on the account. A company buying a second product is not refused.',
    userMessage: 'This user already has an account with us.',
    eventStatus: 'refused',
    statusReason: "The buyer's own situation; AppDirect shows it and offers to link the accounts.",
  },
  USER_NOT_FOUND: {
    appdirect: 'Unassigning a user the vendor does not know.',
    usedWhen:
      'USER_UNASSIGNMENT of a user with no seat on the account. (USER_UPDATED for a user we have never seen is recorded and answered success: the user holds no seat here.)',
    userMessage: 'This user was not found on the account.',
    eventStatus: 'refused',
    statusReason: 'The user to remove holds no seat here; there is nothing to repair.',
  },
  ACCOUNT_NOT_FOUND: {
    appdirect: 'Change, cancel or assign on an accountIdentifier the vendor does not know.',
    usedWhen:
      'Any event naming an accountIdentifier (or parentAccountIdentifier) that is not in the account store; an add-on order whose parent subscription belongs to another company.',
    userMessage: 'This subscription was not found on our side.',
    eventStatus: 'refused',
    statusReason:
      'The answer is what the account store holds, and running the event again gives the same answer. Many at once suggest the store is out of step with AppDirect (a restore): the overview counts refusals by code.',
  },
  MAX_USERS_REACHED: {
    appdirect: 'Assignment beyond the number of seats bought.',
    usedWhen: 'USER_ASSIGNMENT when every seat of the account is taken (the owner holds one).',
    userMessage: 'Every seat of this subscription is taken; buy more seats or unassign a user first.',
    eventStatus: 'refused',
    statusReason: 'The customer buys more seats or unassigns a user; AppDirect tells them so.',
  },
  UNAUTHORIZED: {
    appdirect: 'An action the application does not allow, e.g. unassigning the creator.',
    usedWhen: 'USER_UNASSIGNMENT of the account owner.',
    userMessage: 'The owner of the subscription cannot be unassigned.',
    eventStatus: 'refused',
    statusReason: 'A rule of the application, working as intended.',
  },
  OPERATION_CANCELLED: {
    appdirect: 'The user interrupted the operation.',
    usedWhen: 'An operator cancelled the event from the admin API before it finished.',
    userMessage: 'The operation was cancelled by the vendor.',
    eventStatus: 'refused',
    statusReason: "An operator's or the product's decision (an operator's cancel finishes the event as cancelled).",
  },
  CONFIGURATION_ERROR: {
    appdirect: 'The vendor endpoint is not configured.',
    usedWhen: 'An event type this service does not handle (e.g. USER_SYNC, ACCOUNT_SYNC).',
    userMessage: 'This kind of change is not supported by the application.',
    eventStatus: 'failed',
    statusReason:
      'An event type this installation does not handle: only an operator can change that (a newer version, a configuration), and AppDirect keeps sending such events.',
  },
  INVALID_RESPONSE: {
    appdirect: 'The vendor could not process the event fetched from AppDirect.',
    usedWhen:
      'The fetched event is not JSON, fails the event schema (fields named in the message; lengths, quantities and URLs are bounded), or holds what the store cannot keep (NUL characters, unpaired surrogates, nesting deeper than 32 levels): at the first attempt, never retried.',
    userMessage: 'The event could not be read by the application.',
    eventStatus: 'failed',
    statusReason:
      'The service could not read what AppDirect sent: a fault on one side that an operator should report; the customer did nothing wrong.',
  },
  PENDING: {
    appdirect: 'The service is still being provisioned.',
    usedWhen:
      'An event for an account whose provisioning hook has not finished within the waiting budget; a SUBSCRIPTION_NOTICE that could not be applied within SYNC_ANSWER_BUDGET_MS (the change is still applied right after).',
    userMessage: 'The subscription is still being set up; try again in a few minutes.',
    eventStatus: 'failed',
    statusReason:
      "The product did not finish or decide in the time allowed: the customer is told to try later, and an operator should look at the product's calls. (A SUBSCRIPTION_NOTICE answered PENDING for lack of time is applied right after and finishes with its own outcome.)",
  },
  FORBIDDEN: {
    appdirect: 'The operation is not allowed.',
    usedWhen:
      'An action the account\'s state does not allow (see "Subscription states" below); SUBSCRIPTION_CHANGE lowering seats below the users assigned; ADDON_BIND of a binding that belongs to another add-on.',
    userMessage: 'This operation is not allowed on the subscription in its current state.',
    eventStatus: 'refused',
    statusReason: "The subscription's state does not allow it; AppDirect shows why.",
  },
  BINDING_NOT_FOUND: {
    appdirect: 'The add-on binding cannot be found.',
    usedWhen:
      'ADDON_UNBIND naming a binding we do not have; an add-on change, cancel or bind naming an add-on that is not on the subscription named in the event, or was cancelled.',
    userMessage: 'This add-on binding was not found.',
    eventStatus: 'refused',
    statusReason: 'The add-on binding named is not there; there is nothing to repair.',
  },
  TRANSPORT_ERROR: {
    appdirect: 'Transport failure, e.g. an unreachable server.',
    usedWhen: 'The event could not be fetched from the marketplace after EVENT_MAX_ATTEMPTS attempts.',
    userMessage: 'The application could not reach the marketplace to read the event.',
    eventStatus: 'failed',
    statusReason:
      'The event could not be fetched: the marketplace or the network was down; run it again once it is back.',
  },
  UNKNOWN_ERROR: {
    appdirect: 'None of the other codes apply.',
    usedWhen:
      'Applying the event kept failing with a transient fault after EVENT_MAX_ATTEMPTS attempts, or failed at once with a programming error (logged with its stack; operators can retry it).',
    userMessage: 'The application could not complete the operation; the vendor has been notified.',
    eventStatus: 'failed',
    statusReason:
      'A fault the service could not get past (logged with its cause): an operator should look, fix and run it again.',
  },
} as const satisfies Record<string, EventErrorEntry>;

export type EventErrorCode = keyof typeof EVENT_ERROR_CODES;

const codesFinishing = (status: EventErrorEntry['eventStatus']): EventErrorCode[] =>
  (Object.entries(EVENT_ERROR_CODES) as Array<[EventErrorCode, EventErrorEntry]>)
    .filter(([, entry]) => entry.eventStatus === status)
    .map(([code]) => code);

/** Codes meaning the service could not do the work: the event finishes `failed` and needs an operator. */
export const FAILURE_CODES: readonly EventErrorCode[] = codesFinishing('failed');
/** Business answers AppDirect shows its user: the event finishes `refused`, nothing for an operator to do. */
export const REFUSAL_CODES: readonly EventErrorCode[] = codesFinishing('refused');

/**
 * The final status of an event answered `errorCode` (unsuccessfully). A code outside the catalogue is a
 * failure: something answered what the service does not know, and an operator should look.
 */
export function unsuccessfulStatusOf(errorCode: string | null | undefined): EventErrorEntry['eventStatus'] {
  const entry = errorCode ? (EVENT_ERROR_CODES as Record<string, EventErrorEntry | undefined>)[errorCode] : undefined;
  return entry?.eventStatus ?? 'failed';
}

/** Fills `{name}` placeholders; unknown names are left as they are. */
export function fillTemplate(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}
