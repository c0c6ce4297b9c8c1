/**
 * What differs between the SQL engines the analytics questions run on. The questions are written
 * once (`analytics-sql.ts`); an adapter supplies its dialect, the way a Kysely dialect supplies its
 * differences, so no `if (postgres)` spreads through the queries.
 */
export interface SqlDialect {
  readonly name: string;
  /** Window functions take IGNORE NULLS (first_value of the next matching row in one pass). */
  readonly ignoreNulls: boolean;
  /** A JSON value's text at a path (strings as they are, numbers and booleans printed); null for null, objects and arrays. */
  jsonText(column: string, path: string): string;
  /** A JSON number at a path as a double; null for anything else. */
  jsonNumber(column: string, path: string): string;
  /** True when the path is present, JSON null included (a trait set to null is set, to nothing). */
  jsonHasKey(column: string, path: string): string;
  /** True when the path holds a value other than JSON null. */
  jsonHasValue(column: string, path: string): string;
  /** The parameter value naming a dotted path for the functions above. */
  pathValue(segments: string[]): SqlValue;
  /** The continuous median of an expression, as an aggregate. */
  median(expression: string): string;
  /** The calendar month number (year * 12 + month - 1) of an epoch-milliseconds expression, in UTC. */
  monthIndex(ts: string): string;
}

/** A query parameter with the type its engine should bind it as. */
export type SqlValue =
  | { type: 'text'; value: string }
  | { type: 'bigint'; value: number }
  | { type: 'double'; value: number }
  | { type: 'text[]'; value: string[] }
  | { type: 'bigint[]'; value: number[] };

/** A query and its parameters ($1, $2, ... in both engines). */
export interface SqlQuery {
  sql: string;
  params: SqlValue[];
}

/** Collects parameters while a query is written; `add` returns the placeholder to put in the text. */
export class SqlParams {
  readonly values: SqlValue[] = [];

  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  text(value: string): string {
    return this.add({ type: 'text', value });
  }

  bigint(value: number): string {
    return this.add({ type: 'bigint', value });
  }

  double(value: number): string {
    return this.add({ type: 'double', value });
  }
}

/** DuckDB: JSON columns are JSON text; paths are JSON paths such as $."a"."b". */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  ignoreNulls: true,
  jsonText: (column, path) => `(CASE WHEN json_type(${column}, ${path}) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(${column}, ${path}) END)`,
  jsonNumber: (column, path) => `(CASE WHEN json_type(${column}, ${path}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST(json_extract_string(${column}, ${path}) AS DOUBLE) END)`,
  jsonHasKey: (column, path) => `(json_type(${column}, ${path}) IS NOT NULL)`,
  jsonHasValue: (column, path) => `(coalesce(json_type(${column}, ${path}), 'NULL') <> 'NULL')`,
  pathValue: (segments) => ({ type: 'text', value: `$.${segments.map((segment) => `"${segment}"`).join('.')}` }),
  median: (expression) => `quantile_cont(${expression}, 0.5)`,
  monthIndex: (ts) => `(year(epoch_ms(${ts})) * 12 + month(epoch_ms(${ts})) - 1)`,
};

/** PostgreSQL: JSON columns are jsonb; paths are text arrays. */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  ignoreNulls: false,
  jsonText: (column, path) => `(CASE WHEN jsonb_typeof(${column} #> ${path}::text[]) IN ('object', 'array', 'null') THEN NULL ELSE ${column} #>> ${path}::text[] END)`,
  jsonNumber: (column, path) => `(CASE WHEN jsonb_typeof(${column} #> ${path}::text[]) = 'number' THEN (${column} #>> ${path}::text[])::double precision END)`,
  jsonHasKey: (column, path) => `(${column} #> ${path}::text[] IS NOT NULL)`,
  jsonHasValue: (column, path) => `(coalesce(jsonb_typeof(${column} #> ${path}::text[]), 'null') <> 'null')`,
  pathValue: (segments) => ({ type: 'text[]', value: segments }),
  median: (expression) => `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expression})`,
  monthIndex: (ts) => `(CAST(extract(year FROM to_timestamp(${ts} / 1000.0) AT TIME ZONE 'UTC') AS bigint) * 12 + CAST(extract(month FROM to_timestamp(${ts} / 1000.0) AT TIME ZONE 'UTC') AS bigint) - 1)`,
};
