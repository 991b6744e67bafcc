-- Sandbox control I: tenants' clocks and the pacing of jobs' visible lifecycles.

-- A tenant's clock (src/platform/clock.ts). No row: real time. Each row is a setting from
-- `since` (the server's time it was made) on: real, frozen at `at`, or running on from `at`
-- (offset). A tenant's rows are its clock's history: a time stored in real time (a job's
-- creation) is shown as the tenant's clock read it then.
CREATE TABLE tenant_clocks (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  since timestamptz NOT NULL,
  mode text NOT NULL CHECK (mode IN ('real', 'frozen', 'offset')),
  at timestamptz,
  PRIMARY KEY (tenant_id, since),
  CHECK ((mode = 'real') = (at IS NULL))
);

-- A token's lifetime counts on its tenant's clock from the moment it was minted.
ALTER TABLE oauth_tokens ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- A tenant's lifecycle policy per job type (dataQuery, customObjectBulk, ...): how each visible
-- state of a job gives way to the next ({"progression": "reads", "reads": 2}). No row: immediate.
CREATE TABLE lifecycle_policies (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  job_type text NOT NULL,
  policy jsonb NOT NULL,
  PRIMARY KEY (tenant_id, job_type)
);

-- A paced job (src/jobs/lifecycle.ts): the policy it runs under (its tenant's when it was
-- submitted, or one set for it), the visible stage it is shown in and since when (the tenant's
-- time), the reads of that stage, and when its work was (or will be) let run. A held job waits
-- in the queue with run_after 'infinity', or the real time its policy lets it run.
CREATE TABLE job_lifecycles (
  tenant_id bigint NOT NULL,
  job_id text NOT NULL,
  policy jsonb NOT NULL,
  -- Index into the job's visible stages; NULL while the job waits for its input (pending).
  stage smallint,
  reads integer NOT NULL DEFAULT 0,
  since timestamptz,
  release_at timestamptz,
  PRIMARY KEY (tenant_id, job_id),
  FOREIGN KEY (tenant_id, job_id) REFERENCES jobs (tenant_id, id) ON DELETE CASCADE
);

-- A forced failure (the sandbox's advance to failed) of a running job: its worker fails it with
-- the message in `error` at the next batch.
ALTER TABLE jobs DROP CONSTRAINT jobs_stop_requested_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_stop_requested_check CHECK (stop_requested IN ('stop', 'cancel', 'fail'));
