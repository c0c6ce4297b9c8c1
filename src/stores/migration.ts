/** One schema change. Applied migrations are recorded and never edited; add a new one instead. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations not yet applied, in the order they are listed. */
export function pendingMigrations(migrations: Migration[], appliedVersions: Iterable<number>): Migration[] {
  const applied = new Set(appliedVersions);
  return migrations.filter((migration) => !applied.has(migration.version));
}
