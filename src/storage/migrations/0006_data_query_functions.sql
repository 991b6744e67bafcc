-- Trino's functions for Data Query, in schema dataquery. Zuora runs Data Queries on Trino;
-- zjobs runs them on PostgreSQL with `search_path = dataquery, pg_catalog`, so a function
-- here answers to its Trino name and shadows a pg_catalog function of the same name and
-- argument types (substr, split_part, regexp_replace, concat, round...) where Trino's
-- semantics differ. docs/data-query.md (Functions) lists every function and difference;
-- src/query/functions.ts is the catalogue (SHOW FUNCTIONS, the engine's allowlist).
--
-- Rules: plain SQL functions wherever possible, so the planner inlines them and folds
-- constant arguments (a format string is translated once per query, not per row); every
-- call inside a body is schema-qualified, because bodies run with the caller's search
-- path; volatility as declared by the PostgreSQL functions used (STABLE where the session
-- time zone matters). Helpers whose names start with an underscore are internal: the
-- catalogue does not list them, so user SQL cannot call them. Works on PostgreSQL 15 and
-- newer; no extensions.

CREATE SCHEMA IF NOT EXISTS dataquery;

-- ---------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------

-- Raises `message` as a data exception (SQLSTATE 22023), typed like `sample` so it fits in
-- any CASE. Declared IMMUTABLE so callers stay inlinable; callers build the message from
-- the offending argument, so the planner cannot fold a call in a branch that never runs,
-- and a NULL argument (a NULL message) gives NULL, as a NULL argument does in Trino.
CREATE FUNCTION dataquery._fail(message text, sample anyelement) RETURNS anyelement
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF message IS NULL THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = message;
END
$$;

-- Java's Character.isWhitespace set (Trino's trim functions), as one string.
CREATE FUNCTION dataquery._whitespace() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT E' \t\n\u000B\f\r\u001C\u001D\u001E\u001F\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200A\u2028\u2029\u205F\u3000'::text $$;

-- Text for a to_char/to_timestamp pattern that stands for itself.
CREATE FUNCTION dataquery._to_char_literal(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT '"' || pg_catalog.replace(pg_catalog.replace(value, '\', '\\'), '"', '\"') || '"' $$;

-- Text parsed as jsonb, NULL when it is not JSON (Trino's json_extract family answers NULL
-- for malformed JSON). PL/pgSQL, so that the planner never inlines it and folds the cast of
-- a constant that is not JSON. pg_input_is_valid exists from PostgreSQL 16; before it, a
-- subtransaction catches the error.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::integer >= 160000 THEN
    EXECUTE $f$
      CREATE FUNCTION dataquery._try_jsonb(value text) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $b$
      BEGIN
        IF pg_catalog.pg_input_is_valid(value, 'jsonb') THEN
          RETURN value::jsonb;
        END IF;
        RETURN NULL;
      END
      $b$
    $f$;
  ELSE
    EXECUTE $f$
      CREATE FUNCTION dataquery._try_jsonb(value text) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $b$
      BEGIN
        RETURN value::jsonb;
      EXCEPTION WHEN data_exception THEN
        RETURN NULL;
      END
      $b$
    $f$;
  END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Zuora: UUID forms
-- ---------------------------------------------------------------------------------------

-- Both accept either form (so a value already in the target form passes, normalised),
-- answer lower case, and answer NULL for NULL and for anything that is not a UUID.
CREATE FUNCTION dataquery.to_uuid32(id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN id ~ '^[0-9A-Fa-f]{32}$' THEN pg_catalog.lower(id)
    WHEN id ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
      THEN pg_catalog.lower(pg_catalog.replace(id, '-', ''))
  END
$$;

CREATE FUNCTION dataquery.to_uuid36(id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN id ~ '^[0-9A-Fa-f]{32}$' THEN pg_catalog.lower(pg_catalog.regexp_replace(id,
      '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5'))
    WHEN id ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
      THEN pg_catalog.lower(id)
  END
$$;

-- ---------------------------------------------------------------------------------------
-- Date and time
-- ---------------------------------------------------------------------------------------

-- A MySQL date format (Trino's date_format/date_parse) as a to_char/to_timestamp pattern.
CREATE FUNCTION dataquery._mysql_format(format text, parsing boolean) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT COALESCE(pg_catalog.string_agg(CASE
      WHEN m[1] IS NULL THEN dataquery._to_char_literal(COALESCE(m[2], '%'))
      WHEN m[1] = 'a' THEN 'Dy'
      WHEN m[1] = 'b' THEN 'Mon'
      WHEN m[1] = 'c' THEN 'FMMM'
      WHEN m[1] = 'd' THEN 'DD'
      WHEN m[1] = 'e' THEN 'FMDD'
      -- Trino prints milliseconds as six digits; parsing takes up to six.
      WHEN m[1] = 'f' THEN CASE WHEN parsing THEN 'US' ELSE 'MS"000"' END
      WHEN m[1] = 'H' THEN 'HH24'
      WHEN m[1] IN ('h', 'I') THEN 'HH12'
      WHEN m[1] = 'i' THEN 'MI'
      WHEN m[1] = 'j' THEN 'DDD'
      WHEN m[1] = 'k' THEN 'FMHH24'
      WHEN m[1] = 'l' THEN 'FMHH12'
      WHEN m[1] = 'M' THEN 'FMMonth'
      WHEN m[1] = 'm' THEN 'MM'
      WHEN m[1] = 'p' THEN 'AM'
      WHEN m[1] = 'r' THEN 'HH12:MI:SS AM'
      WHEN m[1] IN ('S', 's') THEN 'SS'
      WHEN m[1] = 'T' THEN 'HH24:MI:SS'
      WHEN m[1] = 'v' THEN 'IW'
      WHEN m[1] = 'x' THEN 'IYYY'
      WHEN m[1] = 'W' THEN 'FMDay'
      WHEN m[1] = 'Y' THEN 'YYYY'
      WHEN m[1] = 'y' THEN 'YY'
      WHEN m[1] IN ('D', 'U', 'u', 'V', 'w', 'X')
        THEN dataquery._fail('%' || m[1] || ' not supported in date format string', ''::text)
      ELSE dataquery._to_char_literal(m[1])
    END, '' ORDER BY n), '""')
  FROM pg_catalog.regexp_matches(format, '%(.)|([^%]+)|%$', 'g') WITH ORDINALITY AS t(m, n)
$$;

-- One Joda pattern field (a letter repeated `width` times) as a to_char pattern.
CREATE FUNCTION dataquery._joda_field(letter text, width integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN letter IN ('y', 'Y') THEN CASE width WHEN 1 THEN 'FMYYYY' WHEN 2 THEN 'YY' ELSE 'YYYY' END
    WHEN letter = 'x' THEN CASE width WHEN 1 THEN 'FMIYYY' WHEN 2 THEN 'IY' ELSE 'IYYY' END
    WHEN letter = 'M' THEN CASE width WHEN 1 THEN 'FMMM' WHEN 2 THEN 'MM' WHEN 3 THEN 'Mon' ELSE 'FMMonth' END
    WHEN letter = 'd' THEN CASE width WHEN 1 THEN 'FMDD' ELSE 'DD' END
    WHEN letter = 'D' THEN CASE WHEN width < 3 THEN 'FMDDD' ELSE 'DDD' END
    WHEN letter = 'H' THEN CASE width WHEN 1 THEN 'FMHH24' ELSE 'HH24' END
    WHEN letter = 'h' THEN CASE width WHEN 1 THEN 'FMHH12' ELSE 'HH12' END
    WHEN letter = 'm' THEN CASE width WHEN 1 THEN 'FMMI' ELSE 'MI' END
    WHEN letter = 's' THEN CASE width WHEN 1 THEN 'FMSS' ELSE 'SS' END
    WHEN letter = 'S' THEN CASE WHEN width <= 6 THEN 'FF' || width
      ELSE 'FF6' || dataquery._to_char_literal(pg_catalog.repeat('0', width - 6)) END
    WHEN letter = 'a' THEN 'AM'
    WHEN letter = 'E' THEN CASE WHEN width <= 3 THEN 'Dy' ELSE 'FMDay' END
    WHEN letter = 'e' THEN 'ID'
    WHEN letter = 'w' THEN CASE width WHEN 1 THEN 'FMIW' ELSE 'IW' END
    WHEN letter = 'C' THEN 'CC'
    WHEN letter = 'G' THEN 'AD'
    WHEN letter = 'z' THEN 'TZ'
    -- ZZZ, the zone id, is not a to_char field: a private-use character marks its place.
    WHEN letter = 'Z' THEN CASE width WHEN 1 THEN 'TZHTZM' WHEN 2 THEN 'TZH:TZM' ELSE '"' || U&'\E000' || '"' END
    ELSE dataquery._fail('Illegal pattern component: ' || pg_catalog.repeat(letter, width), ''::text)
  END
$$;

-- A Joda-Time pattern (Trino's format_datetime/parse_datetime) as a to_char pattern:
-- quoted text ('' is a quote), runs of one letter, and anything else as itself.
CREATE FUNCTION dataquery._joda_format(format text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT COALESCE(pg_catalog.string_agg(CASE
      WHEN m[1] IS NOT NULL
        THEN dataquery._to_char_literal(CASE WHEN m[1] = '' THEN '''' ELSE pg_catalog.replace(m[1], '''''', '''') END)
      WHEN m[4] IS NOT NULL THEN dataquery._to_char_literal(m[4])
      ELSE dataquery._joda_field(m[3], pg_catalog.length(m[2]))
    END, '' ORDER BY n), '""')
  FROM pg_catalog.regexp_matches(format, '''((?:[^'']|'''')*)''|(([A-Za-z])\3*)|([^A-Za-z'']+)', 'g')
    WITH ORDINALITY AS t(m, n)
$$;

CREATE FUNCTION dataquery.date_format(value timestamp with time zone, format text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(value, dataquery._mysql_format(format, false)) $$;

CREATE FUNCTION dataquery.date_format(value timestamp without time zone, format text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(value, dataquery._mysql_format(format, false)) $$;

-- Trino answers a timestamp without time zone: the parsed wall-clock time.
CREATE FUNCTION dataquery.date_parse(value text, format text) RETURNS timestamp without time zone
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_timestamp(value, dataquery._mysql_format(format, true))::timestamp without time zone $$;

CREATE FUNCTION dataquery.format_datetime(value timestamp with time zone, format text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.replace(pg_catalog.to_char(value, dataquery._joda_format(format)), U&'\E000',
    pg_catalog.current_setting('TimeZone'))
$$;

CREATE FUNCTION dataquery.format_datetime(value timestamp without time zone, format text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.replace(pg_catalog.to_char(value, dataquery._joda_format(format)), U&'\E000',
    pg_catalog.current_setting('TimeZone'))
$$;

CREATE FUNCTION dataquery.parse_datetime(value text, format text) RETURNS timestamp with time zone
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_timestamp(value, dataquery._joda_format(format)) $$;

-- Seconds since the epoch as an instant (today's Trino: timestamp(3) with time zone).
CREATE FUNCTION dataquery.from_unixtime(unixtime double precision) RETURNS timestamp with time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_timestamp(unixtime) $$;

-- With a zone: the wall-clock time there (PostgreSQL values carry no zone of their own).
CREATE FUNCTION dataquery.from_unixtime(unixtime double precision, zone text) RETURNS timestamp without time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.timezone(zone, pg_catalog.to_timestamp(unixtime)) $$;

CREATE FUNCTION dataquery.from_unixtime(unixtime double precision, hours bigint, minutes bigint)
RETURNS timestamp without time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.timezone('UTC', pg_catalog.to_timestamp(unixtime))
    + hours * interval '1 hour' + minutes * interval '1 minute'
$$;

CREATE FUNCTION dataquery.to_unixtime(value timestamp with time zone) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT EXTRACT(epoch FROM value)::double precision $$;

CREATE FUNCTION dataquery.from_iso8601_timestamp(value text) RETURNS timestamp with time zone
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value ~ '^\s*[0-9]{4}' THEN value::timestamp with time zone
    ELSE dataquery._fail('Invalid format: "' || value || '"', NULL::timestamp with time zone) END
$$;

-- Calendar dates, ISO week dates (2020-W10, 2020-W10-3) and ordinal dates (2020-123).
CREATE FUNCTION dataquery.from_iso8601_date(value text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value ~ '^[0-9]{4}-W[0-9]{2}$' THEN pg_catalog.to_date(value || '-1', 'IYYY-"W"IW-ID')
    WHEN value ~ '^[0-9]{4}-W[0-9]{2}-[1-7]$' THEN pg_catalog.to_date(value, 'IYYY-"W"IW-ID')
    WHEN value ~ '^[0-9]{4}-[0-9]{3}$' THEN pg_catalog.to_date(value, 'YYYY-DDD')
    WHEN value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN value::date
    WHEN value ~ '^[0-9]{4}-[0-9]{2}$' THEN (value || '-01')::date
    WHEN value ~ '^[0-9]{4}$' THEN (value || '-01-01')::date
    ELSE dataquery._fail('Invalid format: "' || value || '"', NULL::date)
  END
$$;

CREATE FUNCTION dataquery.to_iso8601(value date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(value::timestamp without time zone, 'YYYY-MM-DD') $$;

CREATE FUNCTION dataquery.to_iso8601(value timestamp without time zone) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(value, 'YYYY-MM-DD"T"HH24:MI:SS.MS') $$;

-- Offset as +hh:mm, Z for UTC, like Java's ISO formatter.
CREATE FUNCTION dataquery.to_iso8601(value timestamp with time zone) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.replace(pg_catalog.to_char(value, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM'), '+00:00', 'Z') $$;

CREATE FUNCTION dataquery.to_milliseconds(value interval) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.trunc(EXTRACT(epoch FROM value) * 1000)::bigint $$;

-- One `value` of Trino's interval unit (case-insensitive) as an interval.
CREATE FUNCTION dataquery._unit_interval(unit text, value bigint) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.lower(unit)
    WHEN 'millisecond' THEN value * interval '1 millisecond'
    WHEN 'second' THEN value * interval '1 second'
    WHEN 'minute' THEN value * interval '1 minute'
    WHEN 'hour' THEN value * interval '1 hour'
    WHEN 'day' THEN value * interval '1 day'
    WHEN 'week' THEN value * interval '7 days'
    WHEN 'month' THEN value * interval '1 month'
    WHEN 'quarter' THEN value * interval '3 months'
    WHEN 'year' THEN value * interval '1 year'
    ELSE dataquery._fail('''' || unit || ''' is not a valid Timestamp field', NULL::interval)
  END
$$;

CREATE FUNCTION dataquery.date_add(unit text, value bigint, base timestamp with time zone)
RETURNS timestamp with time zone
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT base + dataquery._unit_interval(unit, value) $$;

CREATE FUNCTION dataquery.date_add(unit text, value bigint, base timestamp without time zone)
RETURNS timestamp without time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT base + dataquery._unit_interval(unit, value) $$;

-- A date moves by whole days, weeks, months, quarters or years only.
CREATE FUNCTION dataquery.date_add(unit text, value bigint, base date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.lower(unit) IN ('day', 'week', 'month', 'quarter', 'year')
    THEN (base + dataquery._unit_interval(unit, value))::date
    ELSE dataquery._fail('''' || unit || ''' is not a valid DATE field', NULL::date) END
$$;

-- Whole months from `a` to `b` (a <= b), as Joda-Time counts them: the month count, less
-- one when `a` moved on by that many months (clamped to the month's end) passes `b`.
CREATE FUNCTION dataquery._months_up(a timestamp without time zone, b timestamp without time zone) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT m - CASE WHEN a + m * interval '1 month' > b THEN 1 ELSE 0 END
  FROM (SELECT ((EXTRACT(year FROM b) - EXTRACT(year FROM a)) * 12
    + EXTRACT(month FROM b) - EXTRACT(month FROM a))::bigint AS m) AS months
$$;

CREATE FUNCTION dataquery._months_between(a timestamp without time zone, b timestamp without time zone) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN a <= b THEN dataquery._months_up(a, b) ELSE -dataquery._months_up(b, a) END $$;

-- Whole units from t1 to t2, truncated toward zero (Trino: t2 - t1 in `unit`).
CREATE FUNCTION dataquery.date_diff(unit text, t1 timestamp without time zone, t2 timestamp without time zone)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.lower(unit)
    WHEN 'millisecond' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1) * 1000)
    WHEN 'second' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1))
    WHEN 'minute' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1) / 60)
    WHEN 'hour' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1) / 3600)
    WHEN 'day' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1) / 86400)
    WHEN 'week' THEN pg_catalog.trunc(EXTRACT(epoch FROM t2 - t1) / 604800)
    WHEN 'month' THEN dataquery._months_between(t1, t2)
    WHEN 'quarter' THEN dataquery._months_between(t1, t2) / 3
    WHEN 'year' THEN dataquery._months_between(t1, t2) / 12
    ELSE dataquery._fail('''' || unit || ''' is not a valid Timestamp field', NULL::numeric)
  END::bigint
$$;

-- Time units count elapsed time; days and longer count on the session zone's calendar, as
-- Joda-Time does in the value's zone (a day across a DST change is still one day).
CREATE FUNCTION dataquery.date_diff(unit text, t1 timestamp with time zone, t2 timestamp with time zone)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.lower(unit) IN ('millisecond', 'second', 'minute', 'hour')
    THEN dataquery.date_diff(unit, t1::timestamp without time zone,
      (t1::timestamp without time zone) + (t2 - t1))
    ELSE dataquery.date_diff(unit, t1::timestamp without time zone, t2::timestamp without time zone)
  END
$$;

CREATE FUNCTION dataquery.date_diff(unit text, t1 date, t2 date) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.date_diff(unit, t1::timestamp without time zone, t2::timestamp without time zone) $$;

-- date_trunc on a date answers a date, as in Trino (PostgreSQL's answers a timestamp).
CREATE FUNCTION dataquery.date_trunc(unit text, value date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.date_trunc(unit, value::timestamp without time zone)::date $$;

-- Trino's date(x) on text (PostgreSQL has date() for timestamps only).
CREATE FUNCTION dataquery.date(value text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT value::date $$;

CREATE FUNCTION dataquery.last_day_of_month(value date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (pg_catalog.date_trunc('month', value::timestamp without time zone) + interval '1 month - 1 day')::date
$$;

CREATE FUNCTION dataquery.last_day_of_month(value timestamp without time zone) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (pg_catalog.date_trunc('month', value) + interval '1 month - 1 day')::date $$;

CREATE FUNCTION dataquery.last_day_of_month(value timestamp with time zone) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT dataquery.last_day_of_month(value::timestamp without time zone) $$;

CREATE FUNCTION dataquery.current_timezone() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.current_setting('TimeZone') $$;

-- The wall-clock time of an instant in `zone` (Trino keeps the instant and sets its zone).
CREATE FUNCTION dataquery.at_timezone(value timestamp with time zone, zone text) RETURNS timestamp without time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.timezone(zone, value) $$;

-- The instant a wall-clock time stands for in `zone`.
CREATE FUNCTION dataquery.with_timezone(value timestamp without time zone, zone text) RETURNS timestamp with time zone
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.timezone(zone, value) $$;

-- Field extraction (Trino's convenience functions, bigint): one function per field and
-- argument type. Dates have no time fields; intervals only the fields of their own (the
-- day of `interval '3 days 4 hours'` is 3); timezone_* take instants only.
DO $$
DECLARE
  field record;
  argument text;
BEGIN
  FOR field IN
    SELECT * FROM (VALUES
      ('year', 'EXTRACT(year FROM value)', true, true),
      ('quarter', 'EXTRACT(quarter FROM value)', true, false),
      ('month', 'EXTRACT(month FROM value)', true, true),
      ('week', 'EXTRACT(week FROM value)', true, false),
      ('week_of_year', 'EXTRACT(week FROM value)', true, false),
      ('day', 'EXTRACT(day FROM value)', true, true),
      ('day_of_month', 'EXTRACT(day FROM value)', true, false),
      ('day_of_week', 'EXTRACT(isodow FROM value)', true, false),
      ('dow', 'EXTRACT(isodow FROM value)', true, false),
      ('day_of_year', 'EXTRACT(doy FROM value)', true, false),
      ('doy', 'EXTRACT(doy FROM value)', true, false),
      ('year_of_week', 'EXTRACT(isoyear FROM value)', true, false),
      ('yow', 'EXTRACT(isoyear FROM value)', true, false),
      ('hour', 'EXTRACT(hour FROM value)', false, true),
      ('minute', 'EXTRACT(minute FROM value)', false, true),
      ('second', 'pg_catalog.floor(EXTRACT(second FROM value))', false, true),
      ('millisecond', 'pg_catalog.mod(pg_catalog.floor(EXTRACT(milliseconds FROM value)), 1000)', false, true)
    ) AS fields (name, expression, on_dates, on_intervals)
  LOOP
    FOREACH argument IN ARRAY ARRAY['timestamp with time zone', 'timestamp without time zone', 'date', 'interval'] LOOP
      CONTINUE WHEN (argument = 'date' AND NOT field.on_dates) OR (argument = 'interval' AND NOT field.on_intervals);
      EXECUTE pg_catalog.format(
        'CREATE FUNCTION dataquery.%I(value %s) RETURNS bigint LANGUAGE sql %s PARALLEL SAFE AS %L',
        field.name, argument,
        CASE WHEN argument = 'timestamp with time zone' THEN 'STABLE' ELSE 'IMMUTABLE' END,
        'SELECT (' || field.expression || ')::bigint');
    END LOOP;
  END LOOP;
END
$$;

CREATE FUNCTION dataquery.timezone_hour(value timestamp with time zone) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT EXTRACT(timezone_hour FROM value)::bigint $$;

CREATE FUNCTION dataquery.timezone_minute(value timestamp with time zone) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT EXTRACT(timezone_minute FROM value)::bigint $$;

-- ---------------------------------------------------------------------------------------
-- Strings
-- ---------------------------------------------------------------------------------------

-- Trino: a negative start counts from the end; start 0, or a start before the beginning,
-- gives the empty string (PostgreSQL counts positions before 1 against the length).
CREATE FUNCTION dataquery.substr(value text, start integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR start IS NULL THEN NULL
    WHEN start > 0 THEN pg_catalog.substr(value, start)
    WHEN start = 0 OR -start > pg_catalog.length(value) THEN ''
    ELSE pg_catalog.substr(value, pg_catalog.length(value) + start + 1)
  END
$$;

CREATE FUNCTION dataquery.substr(value text, start integer, length integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR start IS NULL OR length IS NULL THEN NULL
    WHEN start > 0 AND length > 0 THEN pg_catalog.substr(value, start, length)
    WHEN start = 0 OR length <= 0 OR -start > pg_catalog.length(value) THEN ''
    ELSE pg_catalog.substr(value, pg_catalog.length(value) + start + 1, length)
  END
$$;

-- substring(s, start[, length]) written as a call is Trino's alias of substr.
CREATE FUNCTION dataquery.substring(value text, start integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.substr(value, start) $$;

CREATE FUNCTION dataquery.substring(value text, start integer, length integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.substr(value, start, length) $$;

-- Trino's concat is NULL when any argument is (PostgreSQL's skips NULLs).
CREATE FUNCTION dataquery.concat(VARIADIC parts text[]) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.array_position(parts, NULL) IS NULL THEN pg_catalog.array_to_string(parts, '') END
$$;

CREATE FUNCTION dataquery.replace(value text, search text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.replace(value, search, '') $$;

-- Trino trims whitespace (tabs, line breaks...), PostgreSQL spaces only.
CREATE FUNCTION dataquery.trim(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.btrim(value, dataquery._whitespace()) $$;

CREATE FUNCTION dataquery.ltrim(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.ltrim(value, dataquery._whitespace()) $$;

CREATE FUNCTION dataquery.rtrim(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.rtrim(value, dataquery._whitespace()) $$;

-- Trino: NULL past the last field (PostgreSQL: the empty string).
CREATE FUNCTION dataquery.split_part(value text, delimiter text, index integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN index > 0 AND delimiter <> '' AND index > (pg_catalog.length(value)
      - pg_catalog.length(pg_catalog.replace(value, delimiter, ''))) / pg_catalog.length(delimiter) + 1 THEN NULL
    ELSE pg_catalog.split_part(value, delimiter, index)
  END
$$;

-- Trino: an empty string is one empty field (string_to_array gives no field).
CREATE FUNCTION dataquery.split(value text, delimiter text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value = '' THEN ARRAY['']::text[] ELSE pg_catalog.string_to_array(value, delimiter) END
$$;

-- At most `max_fields` fields, the last holding the rest of the string.
CREATE FUNCTION dataquery.split(value text, delimiter text, max_fields bigint) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN max_fields IS NULL THEN NULL
    WHEN max_fields < 1 THEN dataquery._fail('Limit must be positive: ' || max_fields, NULL::text[])
    WHEN pg_catalog.cardinality(fields) <= max_fields THEN fields
    ELSE fields[1:max_fields - 1] || pg_catalog.array_to_string(fields[max_fields:], delimiter)
  END
  FROM (SELECT dataquery.split(value, delimiter) AS fields) AS s
$$;

CREATE FUNCTION dataquery.codepoint(value text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.length(value) = 1 THEN pg_catalog.ascii(value)
    ELSE dataquery._fail('codepoint takes one character, got ''' || value || '''', 0) END
$$;

CREATE FUNCTION dataquery.hamming_distance(a text, b text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.length(a) <> pg_catalog.length(b)
    THEN dataquery._fail('The input strings to hamming_distance function must have the same length: ' || a, 0::bigint)
    ELSE (SELECT pg_catalog.count(*) FROM pg_catalog.generate_series(1, pg_catalog.length(a)) AS i
      WHERE pg_catalog.substr(a, i, 1) <> pg_catalog.substr(b, i, 1)) END
$$;

-- Binary values are bytea (Trino's varbinary).
CREATE FUNCTION dataquery.to_utf8(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.convert_to(value, 'UTF8') $$;

CREATE FUNCTION dataquery.from_utf8(value bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.convert_from(value, 'UTF8') $$;

-- Upper-case hex, as Trino. PostgreSQL's to_hex(integer/bigint) stays as it is.
CREATE FUNCTION dataquery.to_hex(value bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.upper(pg_catalog.encode(value, 'hex')) $$;

-- zjobs: the UTF-8 bytes of text, without to_utf8 first.
CREATE FUNCTION dataquery.to_hex(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.to_hex(pg_catalog.convert_to(value, 'UTF8')) $$;

CREATE FUNCTION dataquery.from_hex(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.decode(value, 'hex') $$;

-- PostgreSQL breaks base64 into 76-character lines; Trino does not.
CREATE FUNCTION dataquery.to_base64(value bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.translate(pg_catalog.encode(value, 'base64'), E'\n', '') $$;

CREATE FUNCTION dataquery.to_base64(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.to_base64(pg_catalog.convert_to(value, 'UTF8')) $$;

CREATE FUNCTION dataquery.from_base64(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.decode(value, 'base64') $$;

CREATE FUNCTION dataquery.to_base64url(value bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.translate(dataquery.to_base64(value), '+/', '-_') $$;

CREATE FUNCTION dataquery.from_base64url(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.decode(pg_catalog.rpad(pg_catalog.translate(value, '-_', '+/'),
    ((pg_catalog.length(value) + 3) / 4) * 4, '='), 'base64')
$$;

-- Trino: md5 and sha256 of varbinary are varbinary (PostgreSQL's md5(bytea) is hex text).
CREATE FUNCTION dataquery.md5(value bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.decode(pg_catalog.md5(value), 'hex') $$;

-- zjobs: hashes of text as lower-case hex (PostgreSQL's md5(text) already is).
CREATE FUNCTION dataquery.sha256(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(value, 'UTF8')), 'hex') $$;

CREATE FUNCTION dataquery.sha512(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.encode(pg_catalog.sha512(pg_catalog.convert_to(value, 'UTF8')), 'hex') $$;

-- ---------------------------------------------------------------------------------------
-- Regular expressions (Java syntax in Trino, PostgreSQL's ARE here)
-- ---------------------------------------------------------------------------------------

-- Java's word boundaries \b and \B are \y and \Y in PostgreSQL (where \b is a backspace).
CREATE FUNCTION dataquery._java_regex(pattern text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(pattern,
    '(?<!\\)((?:\\\\)*)\\b', '\1\\y', 'g'), '(?<!\\)((?:\\\\)*)\\B', '\1\\Y', 'g')
$$;

-- A Java replacement ($1 a group, \$ a dollar) as a PostgreSQL one (\1 a group).
CREATE FUNCTION dataquery._java_replacement(replacement text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN replacement !~ '[$\\]' THEN replacement ELSE (
    SELECT pg_catalog.string_agg(CASE
        WHEN m[1] IS NOT NULL THEN '\' || m[1]
        WHEN m[2] = '\' THEN '\\'
        WHEN m[2] IS NOT NULL THEN m[2]
        WHEN m[3] = '\' THEN '\\'
        ELSE m[3]
      END, '' ORDER BY n)
    FROM pg_catalog.regexp_matches(replacement, '\$([0-9])|\\(.)|([^$\\]+|.)', 'g') WITH ORDINALITY AS t(m, n))
  END
$$;

CREATE FUNCTION dataquery.regexp_like(value text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value ~ dataquery._java_regex(pattern) $$;

CREATE FUNCTION dataquery.regexp_count(value text, pattern text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.regexp_count(value, dataquery._java_regex(pattern)) $$;

CREATE FUNCTION dataquery.regexp_extract(value text, pattern text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.regexp_substr(value, dataquery._java_regex(pattern)) $$;

CREATE FUNCTION dataquery.regexp_extract(value text, pattern text, "group" bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.regexp_substr(value, dataquery._java_regex(pattern), 1, 1, '', "group"::integer) $$;

CREATE FUNCTION dataquery.regexp_extract_all(value text, pattern text, "group" bigint) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(
    SELECT pg_catalog.regexp_substr(value, p, 1, n, '', "group"::integer)
    FROM (SELECT dataquery._java_regex(pattern) AS p) AS r,
      pg_catalog.generate_series(1, pg_catalog.regexp_count(value, p)) AS n
    ORDER BY n)
$$;

CREATE FUNCTION dataquery.regexp_extract_all(value text, pattern text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT dataquery.regexp_extract_all(value, pattern, 0::bigint) $$;

-- 1-based position of the first match at or after `start`, -1 when there is none.
CREATE FUNCTION dataquery.regexp_position(value text, pattern text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(NULLIF(
    pg_catalog.regexp_instr(value, dataquery._java_regex(pattern)), 0), -1)
$$;

CREATE FUNCTION dataquery.regexp_position(value text, pattern text, start bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(NULLIF(
    pg_catalog.regexp_instr(value, dataquery._java_regex(pattern), start::integer), 0), -1)
$$;

CREATE FUNCTION dataquery.regexp_position(value text, pattern text, start bigint, occurrence bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(NULLIF(
    pg_catalog.regexp_instr(value, dataquery._java_regex(pattern), start::integer, occurrence::integer), 0), -1)
$$;

-- Trino replaces every match (PostgreSQL's three-argument form only the first).
CREATE FUNCTION dataquery.regexp_replace(value text, pattern text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.regexp_replace(value, dataquery._java_regex(pattern), '', 'g') $$;

CREATE FUNCTION dataquery.regexp_replace(value text, pattern text, replacement text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.regexp_replace(value, dataquery._java_regex(pattern),
    dataquery._java_replacement(replacement), 'g')
$$;

CREATE FUNCTION dataquery.regexp_split(value text, pattern text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.regexp_split_to_array(value, dataquery._java_regex(pattern)) $$;

-- ---------------------------------------------------------------------------------------
-- JSON (Trino's json is jsonb here; json_extract and friends take text or jsonb)
-- ---------------------------------------------------------------------------------------

-- Trino's JSONPath subset ($, .key, [index], ["key"], [key]) as the keys for #>.
CREATE FUNCTION dataquery._json_path(path text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN path ~ ('^\s*\$(' || s.segment || ')*\s*$') THEN COALESCE((
      SELECT pg_catalog.array_agg(COALESCE(m[1], m[2],
        pg_catalog.replace(pg_catalog.replace(m[3], '\"', '"'), '\\', '\'), m[4]) ORDER BY n)
      FROM pg_catalog.regexp_matches(path, s.segment, 'g') WITH ORDINALITY AS t(m, n)), '{}'::text[])
    ELSE dataquery._fail('Invalid JSON path: ''' || path || '''', NULL::text[])
  END
  FROM (SELECT '\.([^.\[\]]+)|\[([0-9]+)\]|\["((?:[^"\\]|\\.)*)"\]|\[([^]"[]+)\]'::text AS segment) AS s
$$;

-- A JSON scalar as Trino's json_extract_scalar gives it: strings unquoted, NULL for
-- objects, arrays and null.
CREATE FUNCTION dataquery._json_scalar(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.jsonb_typeof(value)
    WHEN 'string' THEN value #>> '{}'
    WHEN 'number' THEN value::text
    WHEN 'boolean' THEN value::text
  END
$$;

CREATE FUNCTION dataquery.json_parse(value text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value::jsonb $$;

CREATE FUNCTION dataquery.json_format(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value::text $$;

CREATE FUNCTION dataquery.json_extract(value jsonb, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value #> dataquery._json_path(path) $$;

CREATE FUNCTION dataquery.json_extract(value text, path text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery._try_jsonb(value) #> dataquery._json_path(path) $$;

CREATE FUNCTION dataquery.json_extract_scalar(value jsonb, path text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery._json_scalar(value #> dataquery._json_path(path)) $$;

CREATE FUNCTION dataquery.json_extract_scalar(value text, path text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery._json_scalar(dataquery._try_jsonb(value) #> dataquery._json_path(path)) $$;

-- NULL when the value is not a JSON array.
CREATE FUNCTION dataquery.json_array_length(value jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.jsonb_typeof(value) = 'array' THEN pg_catalog.jsonb_array_length(value) END
$$;

CREATE FUNCTION dataquery.json_array_length(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.json_array_length(dataquery._try_jsonb(value)) $$;

-- Whether a JSON array holds the value (booleans, numbers, strings); NULL for a non-array.
CREATE FUNCTION dataquery._json_array_contains(value jsonb, element jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.jsonb_typeof(value) = 'array' THEN EXISTS (
    SELECT FROM pg_catalog.jsonb_array_elements(value) AS e WHERE e = element) END
$$;

DO $$
DECLARE
  json_type text;
  element_type text;
BEGIN
  FOREACH json_type IN ARRAY ARRAY['jsonb', 'text'] LOOP
    FOREACH element_type IN ARRAY ARRAY['text', 'bigint', 'double precision', 'boolean'] LOOP
      EXECUTE pg_catalog.format(
        'CREATE FUNCTION dataquery.json_array_contains(value %s, element %s) RETURNS boolean
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
        json_type, element_type,
        pg_catalog.format('SELECT dataquery._json_array_contains(%s, pg_catalog.to_jsonb(element))',
          CASE json_type WHEN 'text' THEN 'dataquery._try_jsonb(value)' ELSE 'value' END));
    END LOOP;
  END LOOP;
END
$$;

-- Members of an object or array at `path`, 0 for a scalar, NULL when there is nothing.
CREATE FUNCTION dataquery.json_size(value jsonb, path text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN v IS NULL THEN NULL
    WHEN pg_catalog.jsonb_typeof(v) = 'object' THEN (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_object_keys(v))
    WHEN pg_catalog.jsonb_typeof(v) = 'array' THEN pg_catalog.jsonb_array_length(v)
    ELSE 0
  END
  FROM (SELECT value #> dataquery._json_path(path) AS v) AS x
$$;

CREATE FUNCTION dataquery.json_size(value text, path text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.json_size(dataquery._try_jsonb(value), path) $$;

CREATE FUNCTION dataquery.is_json_scalar(value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.jsonb_typeof(value) NOT IN ('object', 'array') $$;

CREATE FUNCTION dataquery.is_json_scalar(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT dataquery.is_json_scalar(value::jsonb) $$;

-- ---------------------------------------------------------------------------------------
-- Arrays (1-based, as PostgreSQL's)
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION dataquery.contains(elements anycompatiblearray, element anycompatible) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT element = ANY (elements) $$;

-- NULL past either end; a negative index counts from the end; 0 is an error.
CREATE FUNCTION dataquery.element_at(elements anyarray, index bigint) RETURNS anyelement
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN index > 0 THEN elements[LEAST(index, 2147483647)::integer]
    WHEN index < 0 THEN elements[GREATEST(pg_catalog.cardinality(elements) + index + 1, 0)::integer]
    WHEN index = 0 THEN dataquery._fail('SQL array indices start at 1, not ' || index, elements[1])
  END
$$;

CREATE FUNCTION dataquery.array_join(elements anyarray, delimiter text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.array_to_string(elements, delimiter) $$;

CREATE FUNCTION dataquery.array_join(elements anyarray, delimiter text, null_replacement text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.array_to_string(elements, delimiter, null_replacement) $$;

-- Trino: 0 when absent (PostgreSQL: NULL).
CREATE FUNCTION dataquery.array_position(elements anycompatiblearray, element anycompatible) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN elements IS NOT NULL AND element IS NOT NULL
    THEN COALESCE(pg_catalog.array_position(elements, element), 0) END
$$;

-- First occurrences, in order.
CREATE FUNCTION dataquery.array_distinct(elements anyarray) RETURNS anyarray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT e FROM pg_catalog.unnest(elements) WITH ORDINALITY AS u(e, i)
    GROUP BY e ORDER BY pg_catalog.min(i))
$$;

-- NULL when any element is NULL, as Trino.
CREATE FUNCTION dataquery.array_max(elements anyarray) RETURNS anyelement
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.array_position(elements, NULL) IS NULL
    THEN (SELECT pg_catalog.max(e) FROM pg_catalog.unnest(elements) AS e) END
$$;

CREATE FUNCTION dataquery.array_min(elements anyarray) RETURNS anyelement
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.array_position(elements, NULL) IS NULL
    THEN (SELECT pg_catalog.min(e) FROM pg_catalog.unnest(elements) AS e) END
$$;

-- Ascending, NULLs last.
CREATE FUNCTION dataquery.array_sort(elements anyarray) RETURNS anyarray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ARRAY(SELECT e FROM pg_catalog.unnest(elements) AS e ORDER BY e) $$;

CREATE FUNCTION dataquery.reverse(elements anyarray) RETURNS anyarray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT elements[i] FROM pg_catalog.generate_subscripts(elements, 1) AS i ORDER BY i DESC)
$$;

-- `length` elements from `start` (1-based; negative counts from the end).
CREATE FUNCTION dataquery.slice(elements anyarray, start bigint, length bigint) RETURNS anyarray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN start = 0 THEN dataquery._fail('SQL array indices start at 1, not ' || start, elements)
    WHEN length < 0 THEN dataquery._fail('length must be greater than or equal to 0: ' || length, elements)
    WHEN first < 1 OR length = 0 THEN elements[1:0]
    ELSE elements[first:LEAST(first + length - 1, 2147483647)]
  END
  FROM (SELECT CASE WHEN start > 0 THEN start ELSE pg_catalog.cardinality(elements) + start + 1 END AS first) AS s
$$;

CREATE FUNCTION dataquery.arrays_overlap(a anycompatiblearray, b anycompatiblearray) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT a && b $$;

CREATE FUNCTION dataquery.array_union(a anycompatiblearray, b anycompatiblearray) RETURNS anycompatiblearray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT dataquery.array_distinct(a || b) $$;

CREATE FUNCTION dataquery.array_intersect(a anycompatiblearray, b anycompatiblearray) RETURNS anycompatiblearray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT e FROM pg_catalog.unnest(a) WITH ORDINALITY AS u(e, i)
    WHERE pg_catalog.array_position(b, e) IS NOT NULL GROUP BY e ORDER BY pg_catalog.min(i))
$$;

CREATE FUNCTION dataquery.array_except(a anycompatiblearray, b anycompatiblearray) RETURNS anycompatiblearray
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT e FROM pg_catalog.unnest(a) WITH ORDINALITY AS u(e, i)
    WHERE pg_catalog.array_position(b, e) IS NULL GROUP BY e ORDER BY pg_catalog.min(i))
$$;

-- Trino caps a sequence at 10000 elements.
CREATE FUNCTION dataquery.sequence(start bigint, stop bigint, step bigint) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN step = 0 THEN dataquery._fail('step must not be zero: ' || step, NULL::bigint[])
    WHEN (stop - start) <> 0 AND pg_catalog.sign(stop - start) <> pg_catalog.sign(step)
      THEN dataquery._fail('sequence stop value should be reached from ' || start || ' by step ' || step, NULL::bigint[])
    WHEN (stop - start) / step >= 10000
      THEN dataquery._fail('result of sequence function must not have more than 10000 entries: ' || start, NULL::bigint[])
    ELSE ARRAY(SELECT pg_catalog.generate_series(start, stop, step))
  END
$$;

CREATE FUNCTION dataquery.sequence(start bigint, stop bigint) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT dataquery.sequence(start, stop, CASE WHEN stop >= start THEN 1 ELSE -1 END) $$;

CREATE FUNCTION dataquery.sequence(start date, stop date) RETURNS date[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT start + d::integer FROM pg_catalog.unnest(dataquery.sequence(0, stop - start)) AS d)
$$;

-- Trino's greatest/least are NULL when any argument is (PostgreSQL's skip NULLs): the SQL
-- engine rewrites GREATEST(...) and LEAST(...) to these.
CREATE FUNCTION dataquery.greatest(VARIADIC elements anycompatiblearray) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.array_position(elements, NULL) IS NULL
    THEN (SELECT pg_catalog.max(e) FROM pg_catalog.unnest(elements) AS e) END
$$;

CREATE FUNCTION dataquery.least(VARIADIC elements anycompatiblearray) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pg_catalog.array_position(elements, NULL) IS NULL
    THEN (SELECT pg_catalog.min(e) FROM pg_catalog.unnest(elements) AS e) END
$$;

-- ---------------------------------------------------------------------------------------
-- Numbers
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION dataquery.truncate(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.trunc(value) $$;

CREATE FUNCTION dataquery.truncate(value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.trunc(value) $$;

CREATE FUNCTION dataquery.truncate(value numeric, digits integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.trunc(value, digits) $$;

CREATE FUNCTION dataquery.truncate(value double precision, digits integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.trunc(value::numeric, digits)::double precision $$;

-- Trino rounds half away from zero (PostgreSQL's round(double) rounds half to even).
CREATE FUNCTION dataquery.round(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.round(value::numeric)::double precision $$;

CREATE FUNCTION dataquery.round(value double precision, digits integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.round(value::numeric, digits)::double precision $$;

-- Remainder with the sign of the dividend, for doubles too.
CREATE FUNCTION dataquery.mod(n double precision, m double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT n - m * pg_catalog.trunc(n / m) $$;

CREATE FUNCTION dataquery.log2(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.log(2::numeric, value::numeric)::double precision $$;

CREATE FUNCTION dataquery.e() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.exp(1::double precision) $$;

CREATE FUNCTION dataquery.infinity() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'Infinity'::double precision $$;

CREATE FUNCTION dataquery.nan() RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'NaN'::double precision $$;

CREATE FUNCTION dataquery.is_nan(value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value = 'NaN'::double precision $$;

CREATE FUNCTION dataquery.is_finite(value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value NOT IN ('Infinity'::double precision, '-Infinity'::double precision, 'NaN'::double precision) $$;

CREATE FUNCTION dataquery.is_infinite(value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT value IN ('Infinity'::double precision, '-Infinity'::double precision) $$;

CREATE FUNCTION dataquery.rand() RETURNS double precision
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT pg_catalog.random() $$;

-- Trino's random(n): an integer from 0 to n - 1.
CREATE FUNCTION dataquery.random(bound bigint) RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT CASE WHEN bound > 0 THEN pg_catalog.floor(pg_catalog.random() * bound)::bigint
    ELSE dataquery._fail('bound must be positive: ' || bound, 0::bigint) END
$$;

CREATE FUNCTION dataquery.bitwise_and(x bigint, y bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT x & y $$;

CREATE FUNCTION dataquery.bitwise_or(x bigint, y bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT x | y $$;

CREATE FUNCTION dataquery.bitwise_xor(x bigint, y bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT x # y $$;

CREATE FUNCTION dataquery.bitwise_not(x bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ~x $$;

-- ---------------------------------------------------------------------------------------
-- Other scalars
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION dataquery.uuid() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT pg_catalog.gen_random_uuid() $$;

-- A PostgreSQL type name in Trino's words.
CREATE FUNCTION dataquery._trino_type(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE name
    WHEN 'text' THEN 'varchar'
    WHEN 'character varying' THEN 'varchar'
    WHEN 'unknown' THEN 'varchar'
    WHEN 'character' THEN 'char'
    WHEN 'numeric' THEN 'decimal'
    WHEN 'double precision' THEN 'double'
    WHEN 'timestamp with time zone' THEN 'timestamp(3) with time zone'
    WHEN 'timestamp without time zone' THEN 'timestamp(3)'
    WHEN 'interval' THEN 'interval day to second'
    WHEN 'jsonb' THEN 'json'
    WHEN 'bytea' THEN 'varbinary'
    ELSE name
  END
$$;

CREATE FUNCTION dataquery.typeof(value anyelement) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN t LIKE '%[]' THEN 'array(' || dataquery._trino_type(pg_catalog.left(t, -2)) || ')'
    ELSE dataquery._trino_type(t) END
  FROM (SELECT pg_catalog.pg_typeof(value)::text AS t) AS x
$$;

-- Literals ('abc') have no type until a function fixes one: text.
CREATE FUNCTION dataquery.typeof(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'varchar'::text $$;

-- `value` when it is valid input for the type named `type`, else NULL: try_cast(x AS t)
-- is rewritten to CAST(valid_input(CAST(x AS text), 't') AS t). Casting text to a string
-- type always works. Before PostgreSQL 16 (no pg_input_is_valid) it tries the cast in a
-- subtransaction, with the type name checked against a plain pattern and resolved by
-- regtype first.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::integer >= 160000 THEN
    EXECUTE $f$
      CREATE FUNCTION dataquery.valid_input(value text, type text) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE AS $b$
        SELECT CASE WHEN type ~* '^\s*(text|varchar|character varying|char|character|bpchar)\M'
          OR pg_catalog.pg_input_is_valid(value, type) THEN value END
      $b$
    $f$;
  ELSE
    EXECUTE $f$
      CREATE FUNCTION dataquery.valid_input(value text, type text) RETURNS text
      LANGUAGE plpgsql STABLE PARALLEL SAFE AS $b$
      DECLARE
        parts text[] := pg_catalog.regexp_match(type,
          '^\s*([a-z][a-z0-9_ ]*?)\s*(\(\s*[0-9]+\s*(,\s*[0-9]+\s*)?\))?\s*$', 'i');
        target text;
      BEGIN
        IF parts IS NULL THEN
          RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = 'type "' || type || '" does not exist';
        END IF;
        target := parts[1]::regtype::text || COALESCE(parts[2], '');
        IF value IS NULL THEN
          RETURN NULL;
        END IF;
        BEGIN
          EXECUTE pg_catalog.format('SELECT %L::%s', value, target);
          RETURN value;
        EXCEPTION WHEN data_exception THEN
          RETURN NULL;
        END;
      END
      $b$
    $f$;
  END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Aggregates
-- ---------------------------------------------------------------------------------------

-- Keeps the first non-NULL value (a strict transition function skips NULLs).
CREATE FUNCTION dataquery._keep_first(kept anyelement, value anyelement) RETURNS anyelement
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT kept $$;

CREATE AGGREGATE dataquery.arbitrary(anyelement) (
  SFUNC = dataquery._keep_first, STYPE = anyelement, COMBINEFUNC = dataquery._keep_first, PARALLEL = SAFE
);

-- PostgreSQL 16 has its own any_value; this one serves 15 as well.
CREATE AGGREGATE dataquery.any_value(anyelement) (
  SFUNC = dataquery._keep_first, STYPE = anyelement, COMBINEFUNC = dataquery._keep_first, PARALLEL = SAFE
);

CREATE FUNCTION dataquery._count_if_step(total bigint, condition boolean) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT total + CASE WHEN condition THEN 1 ELSE 0 END $$;

CREATE AGGREGATE dataquery.count_if(boolean) (
  SFUNC = dataquery._count_if_step, STYPE = bigint, INITCOND = '0', COMBINEFUNC = pg_catalog.int8pl, PARALLEL = SAFE
);
