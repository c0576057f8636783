-- CreateIndex
CREATE INDEX "events_accountId_status_seq_idx" ON "events"("accountId", "status", "seq");
