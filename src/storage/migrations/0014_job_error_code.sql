-- A failed job's error code, as data beside its message (the family renders it: Custom Objects'
-- bulk jobs show {code, message}). NULL: a failure with no code of its own.
ALTER TABLE jobs ADD COLUMN error_code text;

-- Bulk jobs failed before this column wrote their code into the message as "[code] message".
UPDATE jobs SET error_code = substring(error FROM '^\[(\d{8})\] '), error = regexp_replace(error, '^\[\d{8}\] ', '')
WHERE kind = 'custom_objects.bulk' AND state = 'failed' AND error ~ '^\[\d{8}\] ';
