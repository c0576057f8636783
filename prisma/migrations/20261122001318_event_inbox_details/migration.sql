-- DropForeignKey
ALTER TABLE "events" DROP CONSTRAINT "events_accountId_fkey";

-- AlterTable
ALTER TABLE "events" DROP COLUMN "notBefore",
ADD COLUMN     "consumerKey" TEXT,
ADD COLUMN     "development" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pendingSince" TIMESTAMP(3);
