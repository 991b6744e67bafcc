-- Sandbox control II: a tenant's reset in a bounded time, snapshots, and the init folder.

-- A job's rows (its lifecycle, its refused rows, its faults) go with it through one statement
-- trigger instead of a foreign key each: a foreign key's cascade runs a statement per deleted
-- job and per child table (a reset of 5,000 jobs took 300 ms that way, 5 ms this way). Their
-- writers hold the job's row (a batch under its lease, or the submission's transaction), so
-- no child is written for a job that is gone.
ALTER TABLE job_lifecycles DROP CONSTRAINT IF EXISTS job_lifecycles_tenant_id_job_id_fkey;
ALTER TABLE custom_object_job_errors DROP CONSTRAINT IF EXISTS custom_object_job_errors_tenant_id_job_id_fkey;
ALTER TABLE data_backfill_row_errors DROP CONSTRAINT IF EXISTS data_backfill_row_errors_tenant_id_job_id_fkey;

DO $$
DECLARE
  faults boolean := to_regclass('public.job_faults') IS NOT NULL;
BEGIN
  IF faults THEN
    ALTER TABLE job_faults DROP CONSTRAINT IF EXISTS job_faults_tenant_id_job_id_fkey;
  END IF;
  EXECUTE format($f$
    CREATE FUNCTION jobs_children_cascade() RETURNS trigger LANGUAGE plpgsql AS $body$
    BEGIN
      DELETE FROM job_lifecycles c USING gone g WHERE c.tenant_id = g.tenant_id AND c.job_id = g.id;
      DELETE FROM custom_object_job_errors c USING gone g WHERE c.tenant_id = g.tenant_id AND c.job_id = g.id;
      DELETE FROM data_backfill_row_errors c USING gone g WHERE c.tenant_id = g.tenant_id AND c.job_id = g.id;
      %s
      RETURN NULL;
    END $body$
  $f$, CASE WHEN faults THEN 'DELETE FROM job_faults c USING gone g WHERE c.tenant_id = g.tenant_id AND c.job_id = g.id;' ELSE '' END);
END $$;
CREATE TRIGGER jobs_children_cascade AFTER DELETE ON jobs
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION jobs_children_cascade();

-- What a reset leaves to be deleted after it (src/sandbox/snapshot/purge.ts): the records of
-- definitions it deleted (no read reaches a record but through its definition, so they are
-- gone for every client at once), and the blobs of the files it deleted. The rows outlive
-- their tenant on purpose: a tenant deleted before its purge ends still has its records
-- and blobs deleted.
CREATE TABLE sandbox_purges (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id bigint NOT NULL,
  definition_id uuid,
  storage_key text,
  queued_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((definition_id IS NULL) <> (storage_key IS NULL))
);
CREATE INDEX sandbox_purges_by_tenant ON sandbox_purges (tenant_id);

-- A definition that goes takes its records (0009, 0010), unless its transaction set
-- zjobs.records_later: then its records wait in sandbox_purges (a reset's bounded time).
CREATE OR REPLACE FUNCTION custom_object_records_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('zjobs.records_later', true) = 'on' THEN
    INSERT INTO sandbox_purges (tenant_id, definition_id) SELECT g.tenant_id, g.id FROM gone g;
  ELSE
    DELETE FROM custom_object_records r USING gone g WHERE r.tenant_id = g.tenant_id AND r.definition_id = g.id;
  END IF;
  DELETE FROM custom_object_record_counts c USING gone g WHERE c.tenant_id = g.tenant_id AND c.definition_id = g.id;
  RETURN NULL;
END $$;

-- What ZJOBS_INIT_DIR held and was applied (src/sandbox/snapshot/init.ts): a file is applied
-- once, by its path in the folder and its content.
CREATE TABLE sandbox_init_applied (
  path text NOT NULL,
  sha256 text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (path, sha256)
);
