-- Job listings read a tenant's jobs of one kind newest first, ORDER BY created_at DESC, id
-- DESC (src/jobs/store.ts, listJobs, one index scan per kind). jobs_by_tenant had id
-- ascending, so PostgreSQL read it in order of created_at only and sorted each run of equal
-- created_at by id. This index gives the listing's order as it is; it serves every query
-- jobs_by_tenant served, which goes.
CREATE INDEX jobs_list ON jobs (tenant_id, kind, created_at DESC, id DESC);
DROP INDEX jobs_by_tenant;
