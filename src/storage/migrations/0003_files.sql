-- Files: uploads and results, their bytes in the file store (a folder or an S3 bucket) under
-- storage_key. A row is written only once its bytes are fully stored.

CREATE TABLE files (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- Zuora's file ids: 32 lower-case hex characters.
  id text NOT NULL CHECK (id ~ '^[0-9a-f]{32}$'),
  name text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  content_type text NOT NULL,
  storage_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The user whose request made the file; the file outlives the user.
  created_by text,
  -- NULL: kept until deleted; otherwise no longer served after, and swept.
  expires_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX files_by_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;
