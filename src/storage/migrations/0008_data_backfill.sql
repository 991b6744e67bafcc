-- Data Backfill file jobs: the rows of an upload that failed, written in the transaction of
-- the batch that handled them (with the job's progress), so a redelivered job neither loses
-- nor repeats an outcome. A row of a committed batch with no entry here succeeded; the
-- result file is written as batches commit, and a resumed job reads the outcomes of the
-- batches committed before it from here.

CREATE TABLE data_backfill_row_errors (
  tenant_id bigint NOT NULL,
  job_id text NOT NULL,
  -- 1 for the first data row of the file (the header is row 0).
  row_number integer NOT NULL CHECK (row_number > 0),
  message text NOT NULL,
  PRIMARY KEY (tenant_id, job_id, row_number),
  FOREIGN KEY (tenant_id, job_id) REFERENCES jobs (tenant_id, id) ON DELETE CASCADE
);
