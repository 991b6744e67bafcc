-- Custom object records keyed by their object, without foreign keys. Every read and write
-- names the object, so its records are one range of the primary key (the separate index by
-- object goes). A foreign-key check per row cost a bulk load about a third of its time;
-- records are written while their definition's row is locked (FOR SHARE), so it exists,
-- and when definitions go (deleted once empty, or with their tenant) a statement trigger
-- takes their records with them.
ALTER TABLE custom_object_records DROP CONSTRAINT custom_object_records_tenant_id_fkey;
ALTER TABLE custom_object_records DROP CONSTRAINT custom_object_records_tenant_id_definition_id_fkey;
ALTER TABLE custom_object_records DROP CONSTRAINT custom_object_records_pkey;
ALTER TABLE custom_object_records ADD PRIMARY KEY (tenant_id, definition_id, id);
DROP INDEX custom_object_records_by_object;

CREATE FUNCTION custom_object_records_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM custom_object_records r USING gone g WHERE r.tenant_id = g.tenant_id AND r.definition_id = g.id;
  RETURN NULL;
END $$;
CREATE TRIGGER custom_object_records_cascade AFTER DELETE ON custom_object_definitions
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION custom_object_records_cascade();
