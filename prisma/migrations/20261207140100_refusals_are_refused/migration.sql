-- Finished events answered with a business code AppDirect shows its user were stored as failed: they are
-- refused (the codes classified so in src/errors/catalogue.ts when this was written, and a code reclassified
-- later needs a migration of its own). Failures (the service could not do the work) stay failed.
UPDATE "events" SET "status" = 'refused'
WHERE "status" = 'failed'
  AND "errorCode" IN ('USER_ALREADY_EXISTS', 'USER_NOT_FOUND', 'ACCOUNT_NOT_FOUND', 'MAX_USERS_REACHED',
                      'UNAUTHORIZED', 'OPERATION_CANCELLED', 'FORBIDDEN', 'BINDING_NOT_FOUND');
