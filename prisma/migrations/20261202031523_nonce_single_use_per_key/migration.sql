-- A nonce is single-use per consumer key whatever its timestamp (RFC 5849 §3.3).
-- Keep the first sighting of any nonce recorded more than once before the key changes.
DELETE FROM "oauth_nonces" later
USING "oauth_nonces" earlier
WHERE later."consumerKey" = earlier."consumerKey"
  AND later."nonce" = earlier."nonce"
  AND (later."seenAt", later."timestamp") > (earlier."seenAt", earlier."timestamp");

-- AlterTable
ALTER TABLE "oauth_nonces" DROP CONSTRAINT "oauth_nonces_pkey",
ADD CONSTRAINT "oauth_nonces_pkey" PRIMARY KEY ("consumerKey", "nonce");
