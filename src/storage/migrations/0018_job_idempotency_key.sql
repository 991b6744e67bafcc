-- The Idempotency-Key a job was submitted under, written in the transaction that inserts the job:
-- a retry whose first answer was lost (its process died after the job's commit, before the answer
-- was kept) finds the job instead of submitting a second one. Cleared when the key expires.
ALTER TABLE jobs ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
