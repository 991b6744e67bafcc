-- The job engine. Every asynchronous job of every API family is one row here; the table is
-- also the queue: workers claim rows with FOR UPDATE SKIP LOCKED, hold them with a lease
-- they renew, and commit each batch together with the job's progress under that lease.

-- Per-kind limits of running jobs, overriding the configured defaults: {"data_query_live": 5}.
ALTER TABLE tenants ADD COLUMN job_limits jsonb NOT NULL DEFAULT '{}';

CREATE TABLE jobs (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  kind text NOT NULL,
  -- pending: waits for input (an upload); queued: waits for a worker; running: a worker holds
  -- its lease; the rest are final.
  state text NOT NULL CHECK (state IN ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled', 'stopped')),
  -- Asked for while running, honoured by the worker between batches.
  stop_requested text CHECK (stop_requested IN ('stop', 'cancel')),
  created_by text,
  entity_id uuid,
  org_ids text[],
  params jsonb NOT NULL DEFAULT '{}',
  -- Written with every batch: where to resume and the counters clients see.
  progress jsonb NOT NULL DEFAULT '{}',
  result jsonb,
  error text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts > 0),
  run_after timestamptz NOT NULL DEFAULT now(),
  lease_token uuid,
  lease_expires_at timestamptz,
  worker_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);

CREATE INDEX jobs_waiting ON jobs (kind, run_after) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (kind, tenant_id) WHERE state = 'running';
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, kind, created_at DESC, id);
