-- The overview reads events finished, and results delivered, within a window: range scans on these
-- indexes cost what the window holds, not what the tables hold.
CREATE INDEX "events_finishedAt_idx" ON "events"("finishedAt");
CREATE INDEX "result_deliveries_deliveredAt_idx" ON "result_deliveries"("deliveredAt");

-- Worker processes announce themselves every 10 s (src/fleet/heartbeat.ts).
CREATE TABLE "worker_heartbeats" (
    "workerId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "queues" JSONB NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "stoppedAt" TIMESTAMP(3),

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("workerId")
);
CREATE INDEX "worker_heartbeats_lastSeenAt_idx" ON "worker_heartbeats"("lastSeenAt");
