-- A company may order a product again after cancelling it: at most one *live* account per company and
-- product (liveCompanyUuid is null once an account is cancelled or closed).
ALTER TABLE "accounts" ADD COLUMN "liveCompanyUuid" TEXT;
UPDATE "accounts" SET "liveCompanyUuid" = "companyUuid" WHERE "status" IN ('active', 'suspended');
DROP INDEX "accounts_companyUuid_applicationUuid_key";
CREATE UNIQUE INDEX "accounts_liveCompanyUuid_applicationUuid_key" ON "accounts"("liveCompanyUuid", "applicationUuid");
CREATE INDEX "accounts_companyUuid_applicationUuid_idx" ON "accounts"("companyUuid", "applicationUuid");

-- Events overtaken by a SUBSCRIPTION_NOTICE are decided as of the account status when they arrived.
ALTER TABLE "events" ADD COLUMN "accountStatusAtArrival" "AccountStatus";

-- Notices are applied in arrival order among themselves: an older one applied late is superseded.
ALTER TABLE "accounts" ADD COLUMN "lastNoticeSeq" BIGINT;
