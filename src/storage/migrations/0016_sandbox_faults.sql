-- Sandbox control II: tenants' fault rules, the jobs they fired on, and the request journal.

-- A tenant's fault rule (src/sandbox/faults/): kind request (an HTTP effect on matching calls),
-- job (a job of some kinds fails, or fails transiently first) or rows (rows of a file refused).
-- `rule` is the rule as checked and completed at creation (src/sandbox/faults/input.ts); `times`
-- (NULL: no limit) bounds `fired`; `matched` counts the calls (or jobs) that matched, so the
-- k-th match of a seeded probability draws the k-th number of its sequence on every run.
CREATE TABLE fault_rules (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  kind text NOT NULL CHECK (kind IN ('request', 'job', 'rows')),
  rule jsonb NOT NULL,
  times integer CHECK (times >= 0),
  matched bigint NOT NULL DEFAULT 0,
  fired bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

-- One number every process compares with its cached request rules (about once a second): any
-- rule added or removed (a tenant deleted or reset too) moves it on, in the same transaction.
CREATE TABLE fault_rules_version (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint NOT NULL
);
INSERT INTO fault_rules_version (version) VALUES (0);

CREATE FUNCTION fault_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE fault_rules_version SET version = version + 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER fault_rules_changed AFTER INSERT OR DELETE OR TRUNCATE ON fault_rules
  FOR EACH STATEMENT EXECUTE FUNCTION fault_rules_changed();

-- A job or rows rule that fired on a job (src/jobs/faults.ts), decided at the job's first
-- attempt and kept with it: a resumed or retried job meets the same faults. `left` counts the
-- transient failures still to come.
CREATE TABLE job_faults (
  tenant_id bigint NOT NULL,
  job_id text NOT NULL,
  rule_id text NOT NULL,
  effect jsonb NOT NULL,
  transient_left integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, job_id, rule_id),
  FOREIGN KEY (tenant_id, job_id) REFERENCES jobs (tenant_id, id) ON DELETE CASCADE
);

-- A tenant's recent requests (src/sandbox/journal.ts), newest last by seq; no bodies, no
-- secrets. Trimmed to the configured size per tenant.
CREATE TABLE request_journal (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  operation_id text,
  status integer,
  duration_ms double precision NOT NULL,
  request_id text NOT NULL,
  track_id text,
  request_bytes bigint,
  response_bytes bigint,
  fault jsonb,
  PRIMARY KEY (tenant_id, seq)
);
