-- Subscriptions brought in by AppDirect's migration (POST /api/v{1,2}/migration/subscription), one per partner
-- and vendor subscription identifier.
CREATE TABLE "subscription_migrations" (
    "id" BIGSERIAL NOT NULL,
    "partner" TEXT NOT NULL DEFAULT '',
    "subscriptionIdentifier" TEXT NOT NULL,
    "tenantIdentifier" TEXT NOT NULL,
    "subscriptionUuid" TEXT,
    "accountId" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "result" JSONB NOT NULL,
    "migratedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscription_migrations_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "subscription_migrations_partner_subscriptionIdentifier_key" ON "subscription_migrations"("partner", "subscriptionIdentifier");
CREATE INDEX "subscription_migrations_accountId_idx" ON "subscription_migrations"("accountId");
