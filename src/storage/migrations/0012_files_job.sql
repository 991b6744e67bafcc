-- The job a file belongs to (an upload, a result): a file is readable by whom its job is
-- readable, with the permission its family requires (src/http/routes/files.ts). NULL: a file
-- of no job, which only the tenant's admins read. No foreign key: a job row outlives nothing
-- its files need, and both go with their tenant.
ALTER TABLE files ADD COLUMN job_id text;

-- Files stored before this column: their jobs name them (uploads in params.fileId, results in
-- result.fileId or result.resultFileId).
UPDATE files f SET job_id = j.id
FROM jobs j
WHERE j.tenant_id = f.tenant_id
  AND f.id IN (j.params ->> 'fileId', j.result ->> 'fileId', j.result ->> 'resultFileId');
