-- How many records each custom object holds, for Zuora's limit of 10,000,000 records per
-- object. Statement triggers keep the count with every insert and delete (transition tables:
-- one row touched per statement, not per record), so no path can miss it. Writers that add
-- records lock their object's row before checking it (record-writes.ts), which makes the
-- check exact under concurrent writers of one object; writers of other objects never meet.
CREATE TABLE custom_object_record_counts (
  tenant_id bigint NOT NULL,
  definition_id uuid NOT NULL,
  records bigint NOT NULL,
  PRIMARY KEY (tenant_id, definition_id)
);

INSERT INTO custom_object_record_counts (tenant_id, definition_id, records)
SELECT tenant_id, definition_id, count(*) FROM custom_object_records GROUP BY tenant_id, definition_id;

CREATE FUNCTION custom_object_records_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO custom_object_record_counts AS c (tenant_id, definition_id, records)
  SELECT tenant_id, definition_id, count(*) FROM added GROUP BY tenant_id, definition_id
  ON CONFLICT (tenant_id, definition_id) DO UPDATE SET records = c.records + EXCLUDED.records;
  RETURN NULL;
END $$;
CREATE TRIGGER custom_object_records_counted_in AFTER INSERT ON custom_object_records
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION custom_object_records_counted_in();

CREATE FUNCTION custom_object_records_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE custom_object_record_counts c SET records = c.records - g.n
  FROM (SELECT tenant_id, definition_id, count(*) AS n FROM removed GROUP BY tenant_id, definition_id) g
  WHERE c.tenant_id = g.tenant_id AND c.definition_id = g.definition_id;
  RETURN NULL;
END $$;
CREATE TRIGGER custom_object_records_counted_out AFTER DELETE ON custom_object_records
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION custom_object_records_counted_out();

-- A definition that goes takes its records (0009) and then its count.
CREATE OR REPLACE FUNCTION custom_object_records_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM custom_object_records r USING gone g WHERE r.tenant_id = g.tenant_id AND r.definition_id = g.id;
  DELETE FROM custom_object_record_counts c USING gone g WHERE c.tenant_id = g.tenant_id AND c.definition_id = g.id;
  RETURN NULL;
END $$;
