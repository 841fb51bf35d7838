import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import { migrations as defaultMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export interface StoreOptions {
  dataDir: string;
  /** For tests of the migration runner. */
  migrations?: Migration[];
}

export interface Store {
  db: Db;
  file: string;
  schemaVersion: number;
  close(): void;
}

export const STORE_FILE = 'mldesk.sqlite';

export function openStore({ dataDir, migrations = defaultMigrations }: StoreOptions): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, STORE_FILE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const schemaVersion = migrate(db, migrations);
  return {
    db,
    file,
    schemaVersion,
    close: () => {
      if (db.open) db.close();
    },
  };
}

export function migrate(db: Db, migrations: Migration[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version').get() as { v: number }).v;
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new MldeskError('INTERNAL', `Migrations must be numbered 1..n without gaps (found ${m.version} at ${i + 1})`);
  });
  const latest = sorted.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new MldeskError(
      'FAILED_PRECONDITION',
      `The data dir was written by a newer mldesk (schema ${current}, this build knows ${latest}). Upgrade mldesk or use another --data-dir.`,
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of sorted) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }).immediate();
  }
  return latest;
}
