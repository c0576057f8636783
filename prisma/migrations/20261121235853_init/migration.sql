-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('active', 'suspended', 'cancelled', 'closed');

-- CreateEnum
CREATE TYPE "SeatRole" AS ENUM ('owner', 'user');

-- CreateEnum
CREATE TYPE "ProvisioningStatus" AS ENUM ('pending', 'done', 'failed');

-- CreateEnum
CREATE TYPE "EventStatus" AS ENUM ('received', 'queued', 'processing', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "AttemptOutcome" AS ENUM ('succeeded', 'business_error', 'retrying', 'failed', 'deferred');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivered', 'failed', 'not_required');

-- CreateEnum
CREATE TYPE "AddonStatus" AS ENUM ('active', 'cancelled');

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "companyUuid" TEXT NOT NULL,
    "applicationUuid" TEXT NOT NULL DEFAULT '',
    "companyName" TEXT NOT NULL,
    "companyExternalId" TEXT,
    "companyEmail" TEXT,
    "companyPhone" TEXT,
    "companyWebsite" TEXT,
    "companyCountry" TEXT,
    "editionCode" TEXT NOT NULL,
    "pricingDuration" TEXT,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "maxUsers" INTEGER,
    "orderItems" JSONB NOT NULL DEFAULT '[]',
    "configuration" JSONB NOT NULL DEFAULT '{}',
    "marketplaceBaseUrl" TEXT NOT NULL,
    "marketplacePartner" TEXT,
    "development" BOOLEAN NOT NULL DEFAULT false,
    "provisioningStatus" "ProvisioningStatus" NOT NULL DEFAULT 'done',
    "createdByEventToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "cancelledAt" TIMESTAMP(3),

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "uuid" TEXT NOT NULL,
    "openId" TEXT,
    "email" TEXT NOT NULL,
    "firstName" TEXT,
    "lastName" TEXT,
    "language" TEXT,
    "locale" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seats" (
    "accountId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" "SeatRole" NOT NULL DEFAULT 'user',
    "assignedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "seats_pkey" PRIMARY KEY ("accountId","userId")
);

-- CreateTable
CREATE TABLE "addon_instances" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "offeringCode" TEXT NOT NULL,
    "pricingDuration" TEXT,
    "orderItems" JSONB NOT NULL DEFAULT '[]',
    "status" "AddonStatus" NOT NULL DEFAULT 'active',
    "createdByEventToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "cancelledAt" TIMESTAMP(3),

    CONSTRAINT "addon_instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "addon_bindings" (
    "id" TEXT NOT NULL,
    "addonInstanceId" TEXT NOT NULL,
    "userId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "unboundAt" TIMESTAMP(3),

    CONSTRAINT "addon_bindings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "seq" BIGSERIAL NOT NULL,
    "token" TEXT NOT NULL,
    "eventUrl" TEXT NOT NULL,
    "marketplaceBaseUrl" TEXT NOT NULL,
    "status" "EventStatus" NOT NULL DEFAULT 'received',
    "type" TEXT,
    "flag" TEXT,
    "accountId" TEXT,
    "companyUuid" TEXT,
    "companyName" TEXT,
    "payload" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "result" JSONB,
    "errorCode" TEXT,
    "notBefore" TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "event_attempts" (
    "id" BIGSERIAL NOT NULL,
    "eventSeq" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "workerId" TEXT NOT NULL,
    "outcome" "AttemptOutcome" NOT NULL,
    "errorCode" TEXT,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "event_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "result_deliveries" (
    "id" BIGSERIAL NOT NULL,
    "eventSeq" BIGINT NOT NULL,
    "resultUrl" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "result_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "result_delivery_attempts" (
    "id" BIGSERIAL NOT NULL,
    "deliveryId" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,

    CONSTRAINT "result_delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hook_calls" (
    "id" BIGSERIAL NOT NULL,
    "accountId" TEXT,
    "eventToken" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "development" BOOLEAN NOT NULL DEFAULT false,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "hook_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_nonces" (
    "consumerKey" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "timestamp" BIGINT NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_nonces_pkey" PRIMARY KEY ("consumerKey","nonce","timestamp")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "filter" JSONB,
    "count" INTEGER,
    "requestId" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "accounts_companyName_idx" ON "accounts"("companyName");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_companyUuid_applicationUuid_key" ON "accounts"("companyUuid", "applicationUuid");

-- CreateIndex
CREATE UNIQUE INDEX "users_uuid_key" ON "users"("uuid");

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_openId_idx" ON "users"("openId");

-- CreateIndex
CREATE INDEX "seats_userId_idx" ON "seats"("userId");

-- CreateIndex
CREATE INDEX "addon_instances_accountId_idx" ON "addon_instances"("accountId");

-- CreateIndex
CREATE INDEX "addon_bindings_addonInstanceId_idx" ON "addon_bindings"("addonInstanceId");

-- CreateIndex
CREATE UNIQUE INDEX "events_token_key" ON "events"("token");

-- CreateIndex
CREATE INDEX "events_status_seq_idx" ON "events"("status", "seq");

-- CreateIndex
CREATE INDEX "events_accountId_seq_idx" ON "events"("accountId", "seq");

-- CreateIndex
CREATE INDEX "events_type_seq_idx" ON "events"("type", "seq");

-- CreateIndex
CREATE INDEX "events_errorCode_seq_idx" ON "events"("errorCode", "seq");

-- CreateIndex
CREATE INDEX "events_companyUuid_seq_idx" ON "events"("companyUuid", "seq");

-- CreateIndex
CREATE INDEX "events_receivedAt_idx" ON "events"("receivedAt");

-- CreateIndex
CREATE INDEX "event_attempts_eventSeq_id_idx" ON "event_attempts"("eventSeq", "id");

-- CreateIndex
CREATE UNIQUE INDEX "result_deliveries_eventSeq_key" ON "result_deliveries"("eventSeq");

-- CreateIndex
CREATE INDEX "result_deliveries_status_createdAt_idx" ON "result_deliveries"("status", "createdAt");

-- CreateIndex
CREATE INDEX "result_delivery_attempts_deliveryId_id_idx" ON "result_delivery_attempts"("deliveryId", "id");

-- CreateIndex
CREATE INDEX "hook_calls_done_id_idx" ON "hook_calls"("done", "id");

-- CreateIndex
CREATE INDEX "hook_calls_accountId_done_idx" ON "hook_calls"("accountId", "done");

-- CreateIndex
CREATE INDEX "oauth_nonces_seenAt_idx" ON "oauth_nonces"("seenAt");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- AddForeignKey
ALTER TABLE "seats" ADD CONSTRAINT "seats_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "seats" ADD CONSTRAINT "seats_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "addon_instances" ADD CONSTRAINT "addon_instances_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "addon_bindings" ADD CONSTRAINT "addon_bindings_addonInstanceId_fkey" FOREIGN KEY ("addonInstanceId") REFERENCES "addon_instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "addon_bindings" ADD CONSTRAINT "addon_bindings_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_attempts" ADD CONSTRAINT "event_attempts_eventSeq_fkey" FOREIGN KEY ("eventSeq") REFERENCES "events"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "result_deliveries" ADD CONSTRAINT "result_deliveries_eventSeq_fkey" FOREIGN KEY ("eventSeq") REFERENCES "events"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "result_delivery_attempts" ADD CONSTRAINT "result_delivery_attempts_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "result_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hook_calls" ADD CONSTRAINT "hook_calls_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
