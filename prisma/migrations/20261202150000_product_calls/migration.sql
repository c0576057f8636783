-- The vendor's product takes part (issue #12): decide calls, the call as sent, every attempt kept.
ALTER TABLE "events" ADD COLUMN "productDecision" JSONB;

ALTER TABLE "hook_calls" ADD COLUMN "mode" TEXT NOT NULL DEFAULT 'notify';
ALTER TABLE "hook_calls" ADD COLUMN "answer" JSONB;
CREATE INDEX "hook_calls_eventToken_idx" ON "hook_calls"("eventToken");

CREATE TABLE "product_call_attempts" (
    "id" BIGSERIAL NOT NULL,
    "eventToken" TEXT NOT NULL,
    "hookCallId" BIGINT,
    "kind" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "durationMs" INTEGER NOT NULL,
    "answer" JSONB,
    "error" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_call_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "product_call_attempts_eventToken_id_idx" ON "product_call_attempts"("eventToken", "id");
CREATE INDEX "product_call_attempts_outcome_at_idx" ON "product_call_attempts"("outcome", "at");
