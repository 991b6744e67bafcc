// The functions a Data Query may call: the catalogue SHOW FUNCTIONS answers with, and the
// allowlist the SQL engine checks every call against. Three kinds:
//   - zjobs' Trino functions in schema dataquery (migration 0006), some of them shadowing a
//     pg_catalog function of the same name whose semantics differ from Trino's;
//   - vetted PostgreSQL built-ins, safe in a read-only sandbox;
//   - Trino spellings the engine rewrites before running (src/query/rewrites.ts): callable
//     by their Trino name, never reaching PostgreSQL under it.
// Anything not listed is refused. docs/data-query.md (Functions) is the reader's version.

export type FunctionType = 'scalar' | 'aggregate' | 'window'

export interface DataQueryFunction {
  /** Lower-case name, as called. */
  name: string
  /** Trino's type names: varchar, bigint, double, timestamp(3) with time zone, array(varchar)... */
  returnType: string
  /** Comma-separated, as SHOW FUNCTIONS prints them. */
  argumentTypes: string
  functionType: FunctionType
  deterministic: boolean
  description: string
  /** dataquery: zjobs' function in schema dataquery; builtin: PostgreSQL's; rewrite: see rewrites.ts. */
  source: 'dataquery' | 'builtin' | 'rewrite'
  /** A dataquery function also found (with PostgreSQL's semantics) as pg_catalog.<name>. */
  shadows?: boolean
}

const TZ = 'timestamp(3) with time zone'
const TS = 'timestamp(3)'

type Row = [name: string, argumentTypes: string, returnType: string, description: string]

function rows(source: DataQueryFunction['source'], functionType: FunctionType, list: Row[], extra: Partial<DataQueryFunction> = {}) {
  return list.map(([name, argumentTypes, returnType, description]) => ({
    name, returnType, argumentTypes, functionType, deterministic: true, description, source, ...extra,
  }))
}

// --- zjobs' functions in schema dataquery --------------------------------------------------

const ZUORA: Row[] = [
  ['to_uuid32', 'varchar', 'varchar', 'A 36-character UUID as Zuora\'s 32-character id (lower case; a 32-character id passes; NULL if not a UUID)'],
  ['to_uuid36', 'varchar', 'varchar', 'A 32-character Zuora id as a 36-character UUID (lower case; a UUID passes; NULL if not a UUID)'],
]

const DATE_TIME: Row[] = [
  ['date_format', `${TZ}, varchar`, 'varchar', 'Formats a timestamp with a MySQL format (%Y-%m-%d %H:%i:%s), in the session time zone'],
  ['date_format', `${TS}, varchar`, 'varchar', 'Formats a timestamp with a MySQL format'],
  ['date_parse', 'varchar, varchar', TS, 'Parses a string with a MySQL format'],
  ['format_datetime', `${TZ}, varchar`, 'varchar', 'Formats a timestamp with a Joda-Time pattern (yyyy-MM-dd HH:mm:ss), in the session time zone'],
  ['format_datetime', `${TS}, varchar`, 'varchar', 'Formats a timestamp with a Joda-Time pattern'],
  ['parse_datetime', 'varchar, varchar', TZ, 'Parses a string with a Joda-Time pattern'],
  ['from_unixtime', 'double', TZ, 'The instant a UNIX time (seconds since 1970-01-01 UTC) stands for'],
  ['from_unixtime', 'double, varchar', TS, 'The wall-clock time of a UNIX time in a time zone'],
  ['from_unixtime', 'double, bigint, bigint', TS, 'The wall-clock time of a UNIX time at an offset of hours and minutes'],
  ['to_unixtime', TZ, 'double', 'A timestamp as a UNIX time (seconds)'],
  ['from_iso8601_timestamp', 'varchar', TZ, 'Parses an ISO 8601 date or date-time (zone defaults to the session\'s)'],
  ['from_iso8601_date', 'varchar', 'date', 'Parses an ISO 8601 calendar, week (2020-W10) or ordinal (2020-123) date'],
  ['to_iso8601', 'date', 'varchar', 'Formats a date as ISO 8601'],
  ['to_iso8601', TS, 'varchar', 'Formats a timestamp as ISO 8601'],
  ['to_iso8601', TZ, 'varchar', 'Formats a timestamp as ISO 8601 with its offset (Z for UTC)'],
  ['to_milliseconds', 'interval day to second', 'bigint', 'An interval in milliseconds'],
  ['date_add', `varchar, bigint, ${TZ}`, TZ, 'Adds value units (millisecond, second, minute, hour, day, week, month, quarter, year)'],
  ['date_add', `varchar, bigint, ${TS}`, TS, 'Adds value units (millisecond ... year)'],
  ['date_add', 'varchar, bigint, date', 'date', 'Adds value days, weeks, months, quarters or years'],
  ['date_diff', `varchar, ${TZ}, ${TZ}`, 'bigint', 'Whole units from the first timestamp to the second'],
  ['date_diff', `varchar, ${TS}, ${TS}`, 'bigint', 'Whole units from the first timestamp to the second'],
  ['date_diff', 'varchar, date, date', 'bigint', 'Whole units from the first date to the second'],
  ['date_trunc', 'varchar, date', 'date', 'A date truncated to a unit (week, month, quarter, year)'],
  ['date', 'varchar', 'date', 'CAST(x AS date)'],
  ['last_day_of_month', 'date', 'date', 'The last day of the month'],
  ['last_day_of_month', TS, 'date', 'The last day of the month'],
  ['last_day_of_month', TZ, 'date', 'The last day of the month, in the session time zone'],
  ['current_timezone', '', 'varchar', 'The session time zone (the tenant\'s)'],
  ['at_timezone', `${TZ}, varchar`, TS, 'The wall-clock time of an instant in a time zone'],
  ['with_timezone', `${TS}, varchar`, TZ, 'The instant a wall-clock time stands for in a time zone'],
  ['timezone_hour', TZ, 'bigint', 'Hour of the session time zone\'s offset'],
  ['timezone_minute', TZ, 'bigint', 'Minute of the session time zone\'s offset'],
]

// Field extraction: [name, what, on dates too, the interval type it also takes]
const FIELDS: [string, string, boolean, string?][] = [
  ['year', 'Year', true, 'interval year to month'],
  ['quarter', 'Quarter of the year (1-4)', true],
  ['month', 'Month of the year (1-12)', true, 'interval year to month'],
  ['week', 'ISO week of the year (1-53)', true],
  ['week_of_year', 'Alias of week', true],
  ['day', 'Day of the month', true, 'interval day to second'],
  ['day_of_month', 'Alias of day', true],
  ['day_of_week', 'ISO day of the week (1 Monday - 7 Sunday)', true],
  ['dow', 'Alias of day_of_week', true],
  ['day_of_year', 'Day of the year (1-366)', true],
  ['doy', 'Alias of day_of_year', true],
  ['year_of_week', 'Year of the ISO week', true],
  ['yow', 'Alias of year_of_week', true],
  ['hour', 'Hour of the day (0-23)', false, 'interval day to second'],
  ['minute', 'Minute of the hour', false, 'interval day to second'],
  ['second', 'Second of the minute', false, 'interval day to second'],
  ['millisecond', 'Millisecond of the second', false, 'interval day to second'],
]

const EXTRACTION: Row[] = FIELDS.flatMap(([name, what, onDates, interval]): Row[] => [
  [name, TZ, 'bigint', `${what}, in the session time zone`],
  [name, TS, 'bigint', what],
  ...(onDates ? [[name, 'date', 'bigint', what] as Row] : []),
  ...(interval ? [[name, interval, 'bigint', `The ${name} field of an interval`] as Row] : []),
])

const STRINGS: Row[] = [
  ['substr', 'varchar, bigint', 'varchar', 'Rest of the string from a position (1-based; negative counts from the end)'],
  ['substr', 'varchar, bigint, bigint', 'varchar', 'Substring of a length from a position (negative counts from the end)'],
  ['substring', 'varchar, bigint', 'varchar', 'Alias of substr'],
  ['substring', 'varchar, bigint, bigint', 'varchar', 'Alias of substr'],
  ['concat', 'varchar, ...', 'varchar', 'Concatenation; NULL if any argument is NULL'],
  ['replace', 'varchar, varchar', 'varchar', 'Removes every instance of a string'],
  ['trim', 'varchar', 'varchar', 'Removes leading and trailing whitespace'],
  ['ltrim', 'varchar', 'varchar', 'Removes leading whitespace'],
  ['rtrim', 'varchar', 'varchar', 'Removes trailing whitespace'],
  ['split_part', 'varchar, varchar, bigint', 'varchar', 'Field of a delimited string (1-based; NULL past the last field)'],
  ['split', 'varchar, varchar', 'array(varchar)', 'Splits a string on a delimiter'],
  ['split', 'varchar, varchar, bigint', 'array(varchar)', 'Splits into at most limit fields, the last holding the rest'],
  ['codepoint', 'varchar(1)', 'integer', 'Unicode code point of a one-character string'],
  ['hamming_distance', 'varchar, varchar', 'bigint', 'Positions at which two strings of equal length differ'],
  ['to_utf8', 'varchar', 'varbinary', 'UTF-8 encoding of a string'],
  ['from_utf8', 'varbinary', 'varchar', 'String from UTF-8 bytes'],
  ['to_hex', 'varbinary', 'varchar', 'Upper-case hex of binary'],
  ['to_hex', 'varchar', 'varchar', 'Upper-case hex of a string\'s UTF-8 bytes (zjobs)'],
  ['from_hex', 'varchar', 'varbinary', 'Binary from hex'],
  ['to_base64', 'varbinary', 'varchar', 'Base64 of binary'],
  ['to_base64', 'varchar', 'varchar', 'Base64 of a string\'s UTF-8 bytes (zjobs)'],
  ['from_base64', 'varchar', 'varbinary', 'Binary from base64'],
  ['to_base64url', 'varbinary', 'varchar', 'URL-safe base64 of binary'],
  ['from_base64url', 'varchar', 'varbinary', 'Binary from URL-safe base64'],
  ['md5', 'varbinary', 'varbinary', 'MD5 digest'],
  ['sha256', 'varchar', 'varchar', 'SHA-256 of a string\'s UTF-8 bytes as lower-case hex (zjobs)'],
  ['sha512', 'varchar', 'varchar', 'SHA-512 of a string\'s UTF-8 bytes as lower-case hex (zjobs)'],
]

const REGEXPS: Row[] = [
  ['regexp_like', 'varchar, varchar', 'boolean', 'Whether the pattern matches anywhere in the string'],
  ['regexp_count', 'varchar, varchar', 'bigint', 'Number of matches'],
  ['regexp_extract', 'varchar, varchar', 'varchar', 'First match'],
  ['regexp_extract', 'varchar, varchar, bigint', 'varchar', 'Capturing group of the first match'],
  ['regexp_extract_all', 'varchar, varchar', 'array(varchar)', 'Every match'],
  ['regexp_extract_all', 'varchar, varchar, bigint', 'array(varchar)', 'Capturing group of every match'],
  ['regexp_position', 'varchar, varchar', 'integer', 'Position of the first match, -1 if none'],
  ['regexp_position', 'varchar, varchar, bigint', 'integer', 'Position of the first match from start, -1 if none'],
  ['regexp_position', 'varchar, varchar, bigint, bigint', 'integer', 'Position of the nth match from start, -1 if none'],
  ['regexp_replace', 'varchar, varchar', 'varchar', 'Removes every match'],
  ['regexp_replace', 'varchar, varchar, varchar', 'varchar', 'Replaces every match ($1 a group, \\$ a dollar)'],
  ['regexp_split', 'varchar, varchar', 'array(varchar)', 'Splits on matches'],
]

const JSON_FUNCTIONS: Row[] = [
  ['json_parse', 'varchar', 'json', 'Parses JSON text (an error if it is not JSON)'],
  ['json_format', 'json', 'varchar', 'JSON text of a JSON value'],
  ['json_extract', 'json, varchar', 'json', 'Value at a JSONPath ($.a.b[0])'],
  ['json_extract', 'varchar, varchar', 'json', 'Value at a JSONPath in JSON text (NULL if not JSON)'],
  ['json_extract_scalar', 'json, varchar', 'varchar', 'Scalar at a JSONPath as a string'],
  ['json_extract_scalar', 'varchar, varchar', 'varchar', 'Scalar at a JSONPath in JSON text as a string'],
  ['json_array_length', 'json', 'bigint', 'Length of a JSON array (NULL if not an array)'],
  ['json_array_length', 'varchar', 'bigint', 'Length of a JSON array in text'],
  ['json_array_contains', 'json, T', 'boolean', 'Whether a JSON array holds a value (boolean, bigint, double, varchar)'],
  ['json_array_contains', 'varchar, T', 'boolean', 'Whether a JSON array in text holds a value'],
  ['json_size', 'json, varchar', 'bigint', 'Members of the object or array at a JSONPath (0 for a scalar)'],
  ['json_size', 'varchar, varchar', 'bigint', 'Members of the object or array at a JSONPath in JSON text'],
  ['is_json_scalar', 'json', 'boolean', 'Whether a JSON value is a scalar'],
  ['is_json_scalar', 'varchar', 'boolean', 'Whether JSON text is a scalar'],
]

const ARRAYS: Row[] = [
  ['contains', 'array(T), T', 'boolean', 'Whether the array holds the element'],
  ['element_at', 'array(T), bigint', 'T', 'Element at a 1-based index (negative from the end; NULL out of range)'],
  ['array_join', 'array(T), varchar', 'varchar', 'Elements joined by a delimiter, NULLs skipped'],
  ['array_join', 'array(T), varchar, varchar', 'varchar', 'Elements joined by a delimiter, NULLs replaced'],
  ['array_position', 'array(T), T', 'bigint', '1-based position of the first occurrence, 0 if none'],
  ['array_distinct', 'array(T)', 'array(T)', 'Distinct elements, in order of first occurrence'],
  ['array_max', 'array(T)', 'T', 'Largest element (NULL if any is NULL)'],
  ['array_min', 'array(T)', 'T', 'Smallest element (NULL if any is NULL)'],
  ['array_sort', 'array(T)', 'array(T)', 'Elements in ascending order, NULLs last'],
  ['reverse', 'array(T)', 'array(T)', 'Elements in reverse order'],
  ['slice', 'array(T), bigint, bigint', 'array(T)', 'Length elements from a 1-based start (negative from the end)'],
  ['arrays_overlap', 'array(T), array(T)', 'boolean', 'Whether two arrays share an element'],
  ['array_union', 'array(T), array(T)', 'array(T)', 'Distinct elements of either array'],
  ['array_intersect', 'array(T), array(T)', 'array(T)', 'Distinct elements of both arrays'],
  ['array_except', 'array(T), array(T)', 'array(T)', 'Distinct elements of the first array not in the second'],
  ['sequence', 'bigint, bigint', 'array(bigint)', 'Integers from start to stop (at most 10000)'],
  ['sequence', 'bigint, bigint, bigint', 'array(bigint)', 'Integers from start to stop by step (at most 10000)'],
  ['sequence', 'date, date', 'array(date)', 'Days from start to stop (at most 10000)'],
]

const NUMBERS: Row[] = [
  ['truncate', 'double', 'double', 'Rounded toward zero'],
  ['truncate', 'decimal', 'decimal', 'Rounded toward zero'],
  ['truncate', 'decimal, integer', 'decimal', 'Rounded toward zero to n decimal places'],
  ['truncate', 'double, integer', 'double', 'Rounded toward zero to n decimal places'],
  ['round', 'double', 'double', 'Rounded half away from zero'],
  ['round', 'double, integer', 'double', 'Rounded half away from zero to n decimal places'],
  ['mod', 'double, double', 'double', 'Remainder of n / m, with the sign of n'],
  ['log2', 'double', 'double', 'Base 2 logarithm'],
  ['e', '', 'double', 'Euler\'s number'],
  ['infinity', '', 'double', 'Positive infinity'],
  ['nan', '', 'double', 'Not a number'],
  ['is_nan', 'double', 'boolean', 'Whether a value is not a number'],
  ['is_finite', 'double', 'boolean', 'Whether a value is finite'],
  ['is_infinite', 'double', 'boolean', 'Whether a value is infinite'],
  ['bitwise_and', 'bigint, bigint', 'bigint', 'Bitwise AND'],
  ['bitwise_or', 'bigint, bigint', 'bigint', 'Bitwise OR'],
  ['bitwise_xor', 'bigint, bigint', 'bigint', 'Bitwise XOR'],
  ['bitwise_not', 'bigint', 'bigint', 'Bitwise NOT'],
  ['greatest', 'T, ...', 'T', 'Largest argument, NULL if any is NULL (GREATEST(...) is rewritten to this)'],
  ['least', 'T, ...', 'T', 'Smallest argument, NULL if any is NULL (LEAST(...) is rewritten to this)'],
]

const OTHER: Row[] = [
  ['typeof', 'T', 'varchar', 'Name of the argument\'s type'],
  ['valid_input', 'varchar, varchar', 'varchar', 'The string if it is valid input for the named type, else NULL (try_cast\'s rewrite)'],
]

const RANDOM: Row[] = [
  ['rand', '', 'double', 'Random number from 0 (inclusive) to 1'],
  ['random', 'bigint', 'bigint', 'Random integer from 0 to n - 1'],
  ['uuid', '', 'uuid', 'Random UUID'],
]

const DATAQUERY_AGGREGATES: Row[] = [
  ['arbitrary', 'T', 'T', 'Any non-NULL value of the group'],
  ['any_value', 'T', 'T', 'Any non-NULL value of the group'],
  ['count_if', 'boolean', 'bigint', 'Rows where the condition is true'],
]

// Same name in pg_catalog, PostgreSQL's semantics: callable as pg_catalog.<name> too.
const SHADOWED = new Set([
  'substr', 'substring', 'concat', 'replace', 'ltrim', 'rtrim', 'split_part', 'to_hex', 'md5', 'sha256', 'sha512',
  'regexp_like', 'regexp_count', 'regexp_replace', 'reverse', 'array_position', 'round', 'mod', 'date_trunc', 'date',
  'random',
])

// --- Rewritten by the SQL engine (rewrites.ts) ----------------------------------------------

const REWRITTEN_SCALARS: Row[] = [
  ['if', 'boolean, T, T', 'T', 'CASE WHEN condition THEN a ELSE b END (b optional)'],
  ['try', 'T', 'T', 'The value; errors are not caught (zjobs)'],
  ['try_cast', 'T AS type', 'type', 'CAST, NULL where the value is not valid for the type'],
]

const REWRITTEN_AGGREGATES: Row[] = [
  ['approx_distinct', 'T', 'bigint', 'Distinct values (exact: count(DISTINCT x))'],
  ['approx_percentile', 'T, double', 'T', 'A value at a percentile (exact: percentile_disc)'],
  ['approx_percentile', 'T, array(double)', 'array(T)', 'Values at percentiles (exact: percentile_disc)'],
  ['max_by', 'T, K', 'T', 'x of the row with the largest y'],
  ['max_by', 'T, K, bigint', 'array(T)', 'x of the n rows with the largest y'],
  ['min_by', 'T, K', 'T', 'x of the row with the smallest y'],
  ['min_by', 'T, K, bigint', 'array(T)', 'x of the n rows with the smallest y'],
]

// --- PostgreSQL built-ins, vetted for a read-only sandbox -----------------------------------
// What is deliberately absent (and refused, whatever is listed, by DENIED_FUNCTIONS below):
// anything touching files, large objects, settings, sessions, locks, sleeps, backends,
// replication, administration, sequences, other databases (dblink), functions that execute
// SQL text (query_to_xml and friends), the system catalogues' pg_* functions, transaction
// ids, and functions whose output can exhaust memory from a tiny query (repeat,
// generate_series, array_fill). SQL keywords such as CURRENT_USER are not functions here.

const BUILTIN_SCALARS: Row[] = [
  // strings
  ['lower', 'varchar', 'varchar', 'Lower case'],
  ['upper', 'varchar', 'varchar', 'Upper case'],
  ['length', 'varchar', 'bigint', 'Length in characters'],
  ['char_length', 'varchar', 'bigint', 'Length in characters'],
  ['character_length', 'varchar', 'bigint', 'Length in characters'],
  ['octet_length', 'varchar', 'bigint', 'Length in bytes'],
  ['chr', 'bigint', 'varchar', 'Character of a code point'],
  ['ascii', 'varchar', 'integer', 'Code point of the first character'],
  ['concat_ws', 'varchar, varchar, ...', 'varchar', 'Concatenation with a separator, NULLs skipped'],
  ['format', 'varchar, ...', 'varchar', 'PostgreSQL\'s format (%s, %I, %L), not Java\'s'],
  ['initcap', 'varchar', 'varchar', 'First letter of each word in upper case'],
  ['left', 'varchar, integer', 'varchar', 'First n characters'],
  ['right', 'varchar, integer', 'varchar', 'Last n characters'],
  ['lpad', 'varchar, bigint, varchar', 'varchar', 'Left-padded to a size'],
  ['rpad', 'varchar, bigint, varchar', 'varchar', 'Right-padded to a size'],
  ['btrim', 'varchar, varchar', 'varchar', 'Removes the given characters from both ends'],
  ['ltrim', 'varchar, varchar', 'varchar', 'Removes the given characters from the start'],
  ['rtrim', 'varchar, varchar', 'varchar', 'Removes the given characters from the end'],
  ['position', 'varchar IN varchar', 'bigint', 'position(substring IN string): 1-based position, 0 if absent'],
  ['strpos', 'varchar, varchar', 'bigint', '1-based position of a substring, 0 if absent'],
  ['starts_with', 'varchar, varchar', 'boolean', 'Whether a string starts with a prefix'],
  ['replace', 'varchar, varchar, varchar', 'varchar', 'Replaces every instance of a string'],
  ['reverse', 'varchar', 'varchar', 'Characters in reverse order'],
  ['translate', 'varchar, varchar, varchar', 'varchar', 'Replaces characters one for one'],
  ['overlay', 'varchar PLACING varchar FROM bigint', 'varchar', 'Replaces a substring'],
  ['normalize', 'varchar', 'varchar', 'Unicode normalization (NFC)'],
  ['string_to_array', 'varchar, varchar', 'array(varchar)', 'Splits a string on a delimiter'],
  ['array_to_string', 'array(T), varchar', 'varchar', 'Elements joined by a delimiter'],
  ['regexp_match', 'varchar, varchar', 'array(varchar)', 'Groups of the first match (PostgreSQL regex)'],
  ['regexp_matches', 'varchar, varchar', 'array(varchar)', 'Groups of each match, one row each (PostgreSQL regex)'],
  ['regexp_substr', 'varchar, varchar', 'varchar', 'A match (PostgreSQL regex)'],
  ['regexp_instr', 'varchar, varchar', 'integer', 'Position of a match (PostgreSQL regex)'],
  ['regexp_split_to_array', 'varchar, varchar', 'array(varchar)', 'Splits on matches (PostgreSQL regex)'],
  ['similar_to_escape', 'varchar', 'varchar', 'SIMILAR TO pattern conversion'],
  ['like_escape', 'varchar, varchar', 'varchar', 'LIKE pattern with an ESCAPE character (x LIKE p ESCAPE e)'],
  ['md5', 'varchar', 'varchar', 'MD5 of a string as lower-case hex'],
  ['sha224', 'varbinary', 'varbinary', 'SHA-224 digest'],
  ['sha256', 'varbinary', 'varbinary', 'SHA-256 digest'],
  ['sha384', 'varbinary', 'varbinary', 'SHA-384 digest'],
  ['sha512', 'varbinary', 'varbinary', 'SHA-512 digest'],
  ['to_hex', 'bigint', 'varchar', 'Lower-case hex of a number (PostgreSQL)'],
  ['encode', 'varbinary, varchar', 'varchar', 'Binary as hex, base64 or escape text'],
  ['decode', 'varchar, varchar', 'varbinary', 'Binary from hex, base64 or escape text'],
  ['convert_from', 'varbinary, varchar', 'varchar', 'String from bytes in an encoding'],
  ['convert_to', 'varchar, varchar', 'varbinary', 'Bytes of a string in an encoding'],
  ['to_char', 'T, varchar', 'varchar', 'PostgreSQL\'s formatting of numbers and timestamps'],
  ['to_number', 'varchar, varchar', 'decimal', 'PostgreSQL\'s parsing of formatted numbers'],
  // numbers
  ['abs', 'T', 'T', 'Absolute value'],
  ['cbrt', 'double', 'double', 'Cube root'],
  ['ceil', 'T', 'T', 'Rounded up'],
  ['ceiling', 'T', 'T', 'Rounded up'],
  ['degrees', 'double', 'double', 'Radians in degrees'],
  ['div', 'decimal, decimal', 'decimal', 'Integer quotient'],
  ['exp', 'double', 'double', 'e to the power'],
  ['floor', 'T', 'T', 'Rounded down'],
  ['gcd', 'bigint, bigint', 'bigint', 'Greatest common divisor'],
  ['lcm', 'bigint, bigint', 'bigint', 'Least common multiple'],
  ['ln', 'double', 'double', 'Natural logarithm'],
  ['log', 'double, double', 'double', 'Logarithm of x in base b: log(b, x)'],
  ['log10', 'double', 'double', 'Base 10 logarithm'],
  ['mod', 'T, T', 'T', 'Remainder'],
  ['pi', '', 'double', 'Pi'],
  ['power', 'double, double', 'double', 'x to the power p'],
  ['pow', 'double, double', 'double', 'Alias of power'],
  ['radians', 'double', 'double', 'Degrees in radians'],
  ['round', 'decimal', 'decimal', 'Rounded half away from zero'],
  ['round', 'decimal, integer', 'decimal', 'Rounded half away from zero to n decimal places'],
  ['scale', 'decimal', 'integer', 'Decimal digits of a number'],
  ['sign', 'T', 'T', 'Sign (-1, 0, 1)'],
  ['sqrt', 'double', 'double', 'Square root'],
  ['trunc', 'T', 'T', 'Rounded toward zero (PostgreSQL name of truncate)'],
  ['width_bucket', 'double, double, double, bigint', 'bigint', 'Bucket of x in an equi-width histogram'],
  ['acos', 'double', 'double', 'Arc cosine'],
  ['asin', 'double', 'double', 'Arc sine'],
  ['atan', 'double', 'double', 'Arc tangent'],
  ['atan2', 'double, double', 'double', 'Arc tangent of y / x'],
  ['cos', 'double', 'double', 'Cosine'],
  ['cosh', 'double', 'double', 'Hyperbolic cosine'],
  ['cot', 'double', 'double', 'Cotangent'],
  ['sin', 'double', 'double', 'Sine'],
  ['sinh', 'double', 'double', 'Hyperbolic sine'],
  ['tan', 'double', 'double', 'Tangent'],
  ['tanh', 'double', 'double', 'Hyperbolic tangent'],
  // dates and times
  ['age', `${TZ}, ${TZ}`, 'interval', 'Interval between two timestamps (PostgreSQL)'],
  ['date_part', `varchar, ${TZ}`, 'double', 'A field of a timestamp (PostgreSQL)'],
  ['date_trunc', `varchar, ${TZ}`, TZ, 'A timestamp truncated to a unit (second ... year), in the session time zone'],
  ['date_trunc', `varchar, ${TS}`, TS, 'A timestamp truncated to a unit'],
  ['date', TZ, 'date', 'CAST(x AS date)'],
  ['extract', `field FROM ${TZ}`, 'bigint', 'extract(field FROM x): Trino\'s fields are rewritten to the functions above'],
  ['isfinite', TZ, 'boolean', 'Whether a timestamp is finite'],
  ['justify_days', 'interval', 'interval', 'Days over 30 as months'],
  ['justify_hours', 'interval', 'interval', 'Hours over 24 as days'],
  ['justify_interval', 'interval', 'interval', 'justify_days and justify_hours'],
  ['make_date', 'integer, integer, integer', 'date', 'Date from year, month and day'],
  ['make_interval', 'integer, ...', 'interval', 'Interval from years, months, weeks, days, hours, minutes, seconds'],
  ['make_time', 'integer, integer, double', 'time', 'Time from hour, minute and second'],
  ['make_timestamp', 'integer, integer, integer, integer, integer, double', TS, 'Timestamp from its fields'],
  ['make_timestamptz', 'integer, integer, integer, integer, integer, double', TZ, 'Timestamp from its fields in the session time zone'],
  ['now', '', TZ, 'Start of the query\'s transaction'],
  ['to_date', 'varchar, varchar', 'date', 'PostgreSQL\'s date parsing (YYYY-MM-DD patterns)'],
  ['to_timestamp', 'varchar, varchar', TZ, 'PostgreSQL\'s timestamp parsing (YYYY-MM-DD HH24:MI:SS patterns)'],
  ['to_timestamp', 'double', TZ, 'Instant of a UNIX time'],
  ['timezone', `varchar, ${TZ}`, TS, 'x AT TIME ZONE zone'],
  ['overlaps', `${TZ}, ${TZ}, ${TZ}, ${TZ}`, 'boolean', '(a, b) OVERLAPS (c, d)'],
  // arrays
  ['cardinality', 'array(T)', 'bigint', 'Number of elements'],
  ['array_append', 'array(T), T', 'array(T)', 'Array with an element added at the end'],
  ['array_prepend', 'T, array(T)', 'array(T)', 'Array with an element added at the start'],
  ['array_cat', 'array(T), array(T)', 'array(T)', 'Concatenated arrays'],
  ['array_length', 'array(T), integer', 'integer', 'Length of a dimension'],
  ['array_lower', 'array(T), integer', 'integer', 'Lower bound of a dimension'],
  ['array_upper', 'array(T), integer', 'integer', 'Upper bound of a dimension'],
  ['array_ndims', 'array(T)', 'integer', 'Number of dimensions'],
  ['array_positions', 'array(T), T', 'array(integer)', 'Positions of every occurrence'],
  ['array_remove', 'array(T), T', 'array(T)', 'Array without the element'],
  ['array_replace', 'array(T), T, T', 'array(T)', 'Array with an element replaced'],
  ['trim_array', 'array(T), integer', 'array(T)', 'Array without its last n elements'],
  ['unnest', 'array(T)', 'T', 'One row per element (FROM UNNEST(array))'],
  // JSON (PostgreSQL's jsonb functions)
  ['to_jsonb', 'T', 'json', 'A value as JSON (CAST(x AS json) is rewritten to this)'],
  ['jsonb_typeof', 'json', 'varchar', 'Type of a JSON value'],
  ['jsonb_array_length', 'json', 'integer', 'Length of a JSON array'],
  ['jsonb_extract_path', 'json, varchar, ...', 'json', 'Value at a path of keys'],
  ['jsonb_extract_path_text', 'json, varchar, ...', 'varchar', 'Value at a path of keys as text'],
  ['jsonb_array_elements', 'json', 'json', 'One row per array element'],
  ['jsonb_array_elements_text', 'json', 'varchar', 'One row per array element, as text'],
  ['jsonb_object_keys', 'json', 'varchar', 'One row per object key'],
  ['jsonb_each', 'json', 'row(varchar, json)', 'One row per object member'],
  ['jsonb_each_text', 'json', 'row(varchar, varchar)', 'One row per object member, as text'],
  ['jsonb_build_array', 'T, ...', 'json', 'JSON array of the arguments'],
  ['jsonb_build_object', 'varchar, T, ...', 'json', 'JSON object of key-value arguments'],
  ['jsonb_path_query_first', 'json, varchar', 'json', 'First value of a SQL/JSON path'],
  ['jsonb_path_exists', 'json, varchar', 'boolean', 'Whether a SQL/JSON path has a value'],
  ['jsonb_strip_nulls', 'json', 'json', 'JSON without null object members'],
  ['jsonb_pretty', 'json', 'varchar', 'Indented JSON text'],
  // other
  ['num_nulls', 'T, ...', 'integer', 'Number of NULL arguments'],
  ['num_nonnulls', 'T, ...', 'integer', 'Number of non-NULL arguments'],
]

const BUILTIN_VOLATILE: Row[] = [
  ['random', '', 'double', 'Random number from 0 (inclusive) to 1'],
  ['gen_random_uuid', '', 'uuid', 'Random UUID'],
  ['clock_timestamp', '', TZ, 'Current time, changing during the query'],
]

const BUILTIN_AGGREGATES: Row[] = [
  ['count', 'T', 'bigint', 'Rows (count(*)) or non-NULL values'],
  ['sum', 'T', 'T', 'Sum'],
  ['avg', 'T', 'double', 'Average'],
  ['min', 'T', 'T', 'Smallest value'],
  ['max', 'T', 'T', 'Largest value'],
  ['array_agg', 'T', 'array(T)', 'Values as an array'],
  ['string_agg', 'varchar, varchar', 'varchar', 'Values joined by a delimiter'],
  ['bool_and', 'boolean', 'boolean', 'Whether every value is true'],
  ['bool_or', 'boolean', 'boolean', 'Whether any value is true'],
  ['every', 'boolean', 'boolean', 'Alias of bool_and'],
  ['bit_and', 'bigint', 'bigint', 'Bitwise AND of the values'],
  ['bit_or', 'bigint', 'bigint', 'Bitwise OR of the values'],
  ['stddev', 'double', 'double', 'Sample standard deviation'],
  ['stddev_pop', 'double', 'double', 'Population standard deviation'],
  ['stddev_samp', 'double', 'double', 'Sample standard deviation'],
  ['variance', 'double', 'double', 'Sample variance'],
  ['var_pop', 'double', 'double', 'Population variance'],
  ['var_samp', 'double', 'double', 'Sample variance'],
  ['corr', 'double, double', 'double', 'Correlation coefficient'],
  ['covar_pop', 'double, double', 'double', 'Population covariance'],
  ['covar_samp', 'double, double', 'double', 'Sample covariance'],
  ['regr_slope', 'double, double', 'double', 'Slope of the least-squares line'],
  ['regr_intercept', 'double, double', 'double', 'Intercept of the least-squares line'],
  ['regr_count', 'double, double', 'bigint', 'Rows where both values are non-NULL'],
  ['regr_r2', 'double, double', 'double', 'Square of the correlation coefficient'],
  ['mode', '', 'T', 'mode() WITHIN GROUP (ORDER BY x): most frequent value'],
  ['percentile_cont', 'double', 'double', 'percentile_cont(p) WITHIN GROUP (ORDER BY x): interpolated percentile'],
  ['percentile_disc', 'double', 'T', 'percentile_disc(p) WITHIN GROUP (ORDER BY x): a value at a percentile'],
  ['jsonb_agg', 'T', 'json', 'Values as a JSON array'],
  ['jsonb_object_agg', 'varchar, T', 'json', 'Key-value pairs as a JSON object'],
]

const BUILTIN_WINDOWS: Row[] = [
  ['row_number', '', 'bigint', 'Number of the row in its partition'],
  ['rank', '', 'bigint', 'Rank with gaps'],
  ['dense_rank', '', 'bigint', 'Rank without gaps'],
  ['percent_rank', '', 'double', 'Relative rank (0 to 1)'],
  ['cume_dist', '', 'double', 'Cumulative distribution'],
  ['ntile', 'bigint', 'bigint', 'Bucket number from 1 to n'],
  ['lag', 'T, bigint, T', 'T', 'Value of an earlier row'],
  ['lead', 'T, bigint, T', 'T', 'Value of a later row'],
  ['first_value', 'T', 'T', 'Value of the first row of the frame'],
  ['last_value', 'T', 'T', 'Value of the last row of the frame'],
  ['nth_value', 'T, bigint', 'T', 'Value of the nth row of the frame'],
]

function dataqueryRows(functionType: FunctionType, list: Row[], extra: Partial<DataQueryFunction> = {}): DataQueryFunction[] {
  return rows('dataquery', functionType, list, extra).map((row) => (SHADOWED.has(row.name) ? { ...row, shadows: true } : row))
}

/** Every function a Data Query may call, one row per signature, in SHOW FUNCTIONS order. */
export const DATA_QUERY_FUNCTIONS: readonly DataQueryFunction[] = [
  ...dataqueryRows('scalar', [...ZUORA, ...DATE_TIME, ...EXTRACTION, ...STRINGS, ...REGEXPS, ...JSON_FUNCTIONS, ...ARRAYS, ...NUMBERS, ...OTHER]),
  ...dataqueryRows('scalar', RANDOM, { deterministic: false }),
  ...dataqueryRows('aggregate', DATAQUERY_AGGREGATES),
  ...rows('rewrite', 'scalar', REWRITTEN_SCALARS),
  ...rows('rewrite', 'aggregate', REWRITTEN_AGGREGATES),
  ...rows('builtin', 'scalar', BUILTIN_SCALARS),
  ...rows('builtin', 'scalar', BUILTIN_VOLATILE, { deterministic: false }),
  ...rows('builtin', 'aggregate', BUILTIN_AGGREGATES),
  ...rows('builtin', 'window', BUILTIN_WINDOWS),
].sort((a, b) => a.name.localeCompare(b.name) || a.argumentTypes.localeCompare(b.argumentTypes))

/**
 * Refused whatever the catalogue says (a second wall against a careless addition): system
 * and administration functions, settings, sessions and locks, files and large objects,
 * dynamic SQL, other databases, sequences, transaction ids, and memory-hungry generators.
 */
export const DENIED_FUNCTIONS: readonly RegExp[] = [
  /^pg_/, // pg_sleep*, pg_read_file, pg_ls_dir, pg_stat_file, pg_terminate_backend, pg_cancel_backend, pg_typeof...
  /^lo_/, /^(lo|loread|lowrite)$/, // large objects
  /^(set_config|current_setting)$/, // settings
  /^(txid_|xid)|xact/, // transaction ids and status
  /_to_xml|^xml|^xpath/, // query_to_xml and other functions that run SQL text; XML
  /^dblink/, // other databases
  /^(nextval|currval|setval|lastval)$/, // sequences
  /^(version|current_user|session_user|current_role|current_schema|current_schemas|current_database|current_catalog|user|system_user)$/,
  /^inet_(client|server)_/, /^has_\w+_privilege$/, /^row_security_active$/,
  /^(setseed|repeat|generate_series|array_fill|factorial)$/,
]

interface NameInfo {
  dataquery: boolean
  builtin: boolean
  shadows: boolean
}

const BY_NAME = new Map<string, NameInfo>()
for (const entry of DATA_QUERY_FUNCTIONS) {
  const info = BY_NAME.get(entry.name) ?? { dataquery: false, builtin: false, shadows: false }
  if (entry.source === 'dataquery') info.dataquery = true
  if (entry.source === 'builtin') info.builtin = true
  if (entry.shadows) info.shadows = true
  BY_NAME.set(entry.name, info)
}

/**
 * Whether a Data Query may call `name` (lower case) as written. Unqualified: any function of
 * the catalogue that is not a rewrite (rewrites are replaced before this is asked).
 * dataquery.<name>: zjobs' functions. pg_catalog.<name>: PostgreSQL's vetted built-ins
 * (also where a dataquery function shadows them). Any other schema: no.
 */
export function isAllowedFunction(name: string, schema?: string): boolean {
  const lower = name.toLowerCase()
  if (DENIED_FUNCTIONS.some((pattern) => pattern.test(lower))) return false
  const info = BY_NAME.get(lower)
  if (!info) return false
  switch (schema?.toLowerCase()) {
    case undefined:
      return info.dataquery || info.builtin
    case 'dataquery':
      return info.dataquery
    case 'pg_catalog':
      return info.builtin || info.shadows
    default:
      return false
  }
}
