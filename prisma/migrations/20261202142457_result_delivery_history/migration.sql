-- A forced rerun by an operator keeps the earlier result delivery and its attempts as history,
-- marked superseded. At most one delivery per event is current.
-- DropIndex
DROP INDEX "result_deliveries_eventSeq_key";

-- AlterTable
ALTER TABLE "result_deliveries" ADD COLUMN     "supersededAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "result_deliveries_eventSeq_id_idx" ON "result_deliveries"("eventSeq", "id");

-- CreateIndex
CREATE UNIQUE INDEX "result_deliveries_current_key" ON "result_deliveries"("eventSeq") WHERE ("supersededAt" IS NULL);
