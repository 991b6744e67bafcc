-- Custom Objects: tenant-defined object types (definitions), their records, and the rows
-- bulk jobs reject. Records of every object share one table with their custom fields in a
-- jsonb document (see docs/decisions.md, "Custom Objects"); Data Query shows each object as
-- a typed table default__<object> over the view at the end.

CREATE TABLE custom_object_definitions (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id uuid NOT NULL,
  -- The entity of a multi-entity tenant the object belongs to; NULL for other tenants.
  entity_id uuid,
  -- API name, case-sensitive in paths; unique per tenant and entity regardless of case,
  -- because Data Query names the table default__<object in lower case>.
  object text NOT NULL,
  -- The definition as zjobs keeps it (src/objects/definitions.ts). json, not jsonb: the
  -- order of the fields is the client's and is shown back.
  definition json NOT NULL,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX custom_object_definitions_by_name
  ON custom_object_definitions (tenant_id, coalesce(entity_id, '00000000-0000-0000-0000-000000000000'), lower(object));

CREATE TABLE custom_object_records (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- UUID v7: time-ordered, so the id order the list pages in is (about) creation order.
  id uuid NOT NULL,
  definition_id uuid NOT NULL,
  entity_id uuid,
  -- Custom fields only, nulls left out; numbers as exact JSON numbers.
  data jsonb NOT NULL,
  -- The values of the object's unique fields (at most five), each field in the slot its
  -- definition gives it, as canonical text: the unique indexes below enforce uniqueness,
  -- also between concurrent writers.
  unique_1 text,
  unique_2 text,
  unique_3 text,
  unique_4 text,
  unique_5 text,
  -- Incremented by every update: the record's ETag (If-Match).
  version integer NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  -- Milliseconds, as the API shows them: filters and Data Query compare what clients see.
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, definition_id) REFERENCES custom_object_definitions (tenant_id, id) ON DELETE CASCADE
);
-- Pages of one object in id order; counts; deletes by object.
CREATE INDEX custom_object_records_by_object ON custom_object_records (tenant_id, definition_id, id);
-- Equality filters (q field:value, bulk delete EQ) as jsonb containment.
CREATE INDEX custom_object_records_data ON custom_object_records USING gin (data jsonb_path_ops);
CREATE UNIQUE INDEX custom_object_records_unique_1 ON custom_object_records (tenant_id, definition_id, unique_1) WHERE unique_1 IS NOT NULL;
CREATE UNIQUE INDEX custom_object_records_unique_2 ON custom_object_records (tenant_id, definition_id, unique_2) WHERE unique_2 IS NOT NULL;
CREATE UNIQUE INDEX custom_object_records_unique_3 ON custom_object_records (tenant_id, definition_id, unique_3) WHERE unique_3 IS NOT NULL;
CREATE UNIQUE INDEX custom_object_records_unique_4 ON custom_object_records (tenant_id, definition_id, unique_4) WHERE unique_4 IS NOT NULL;
CREATE UNIQUE INDEX custom_object_records_unique_5 ON custom_object_records (tenant_id, definition_id, unique_5) WHERE unique_5 IS NOT NULL;

-- Rows a bulk job rejected: written in the transaction of their batch, so a batch delivered
-- again never reports a row twice.
CREATE TABLE custom_object_job_errors (
  tenant_id bigint NOT NULL,
  job_id text NOT NULL,
  -- CSV row number: the header is row 1.
  row_number integer NOT NULL,
  code integer NOT NULL,
  message text NOT NULL,
  -- json: the row keeps its column order.
  record json NOT NULL,
  PRIMARY KEY (tenant_id, job_id, row_number),
  FOREIGN KEY (tenant_id, job_id) REFERENCES jobs (tenant_id, id) ON DELETE CASCADE
);

-- Data Query: the records of the query's tenant (and entity), for the owner role the views
-- belong to; row-level security says the same underneath (as for the billing tables).
GRANT SELECT ON custom_object_records TO zjobs_dq_owner;
ALTER TABLE custom_object_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY data_query_tenant ON custom_object_records FOR SELECT TO zjobs_dq_owner
  USING (tenant_id = (SELECT c.tenant_id FROM public.dq_context c WHERE c.pid = pg_backend_pid()));

-- Not a Data Query table: statement validation never lets a query name it. Each tenant's
-- default__<object> is rewritten into a subquery over it (src/objects/data-query.ts).
CREATE VIEW dataquery.custom_object_records WITH (security_barrier) AS
  SELECT r.definition_id, r.id, r.data, r.created_by, r.created_at, r.updated_by, r.updated_at
  FROM public.custom_object_records r JOIN public.dq_context c ON c.pid = pg_backend_pid()
  WHERE r.tenant_id = c.tenant_id
    AND (c.entity_id IS NULL OR r.entity_id IS NULL OR r.entity_id = c.entity_id);
ALTER VIEW dataquery.custom_object_records OWNER TO zjobs_dq_owner;
GRANT SELECT ON dataquery.custom_object_records TO zjobs_dq_reader;
