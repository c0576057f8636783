-- An owed accountCreated call keeps its account `pending` until the product takes it (issue 23.4): a call is
-- retried until taken, so `failed` (written when one job of the call had used its attempts, which let the
-- account's later events through while the call was still owed) is no longer a provisioning state.
UPDATE "accounts" SET "provisioningStatus" = (
  CASE WHEN EXISTS (
    SELECT 1 FROM "hook_calls" h
    WHERE h."accountId" = "accounts"."id" AND h."kind" = 'accountCreated' AND h."mode" = 'notify' AND h."done" = false
  ) THEN 'pending' ELSE 'done' END
)::"ProvisioningStatus"
WHERE "provisioningStatus" = 'failed';

ALTER TYPE "ProvisioningStatus" RENAME TO "ProvisioningStatus_old";
CREATE TYPE "ProvisioningStatus" AS ENUM ('pending', 'done');
ALTER TABLE "accounts" ALTER COLUMN "provisioningStatus" DROP DEFAULT;
ALTER TABLE "accounts" ALTER COLUMN "provisioningStatus" TYPE "ProvisioningStatus"
  USING ("provisioningStatus"::text::"ProvisioningStatus");
ALTER TABLE "accounts" ALTER COLUMN "provisioningStatus" SET DEFAULT 'done';
DROP TYPE "ProvisioningStatus_old";
