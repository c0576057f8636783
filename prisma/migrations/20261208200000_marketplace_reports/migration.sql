-- Reports the vendor's product makes to AppDirect through this service (issue #27): usage to bill and users
-- it added or removed itself. Committed before the product is answered, then delivered by the reports queue,
-- every attempt kept.
CREATE TYPE "ReportStatus" AS ENUM ('pending', 'delivered', 'failed', 'cancelled');

CREATE TABLE "marketplace_reports" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "addonInstanceId" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "status" "ReportStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMPTZ(3),

    CONSTRAINT "marketplace_reports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "marketplace_reports_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "marketplace_reports_idempotencyKey_key" ON "marketplace_reports"("idempotencyKey");
CREATE INDEX "marketplace_reports_accountId_status_id_idx" ON "marketplace_reports"("accountId", "status", "id");
CREATE INDEX "marketplace_reports_status_updatedAt_idx" ON "marketplace_reports"("status", "updatedAt");
CREATE INDEX "marketplace_reports_deliveredAt_idx" ON "marketplace_reports"("deliveredAt");

CREATE TABLE "marketplace_report_attempts" (
    "id" BIGSERIAL NOT NULL,
    "reportId" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "target" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "marketplace_report_attempts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "marketplace_report_attempts_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "marketplace_reports"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "marketplace_report_attempts_reportId_id_idx" ON "marketplace_report_attempts"("reportId", "id");
