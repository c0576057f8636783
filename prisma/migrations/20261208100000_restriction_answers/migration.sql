-- Answers to AppDirect's restrictions question (POST /api/v{1,2}/restrictions), kept for operators.
CREATE TABLE "restriction_answers" (
    "id" BIGSERIAL NOT NULL,
    "accountId" TEXT,
    "externalVendorId" TEXT,
    "companyUuid" TEXT,
    "applicationUuid" TEXT,
    "partner" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "restrictions" JSONB NOT NULL,
    "restricted" BOOLEAN NOT NULL,
    "product" TEXT NOT NULL,
    "productError" TEXT,
    "durationMs" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "restriction_answers_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "restriction_answers_accountId_id_idx" ON "restriction_answers"("accountId", "id");
CREATE INDEX "restriction_answers_companyUuid_id_idx" ON "restriction_answers"("companyUuid", "id");
CREATE INDEX "restriction_answers_at_idx" ON "restriction_answers"("at");
