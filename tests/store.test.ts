import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { openStore, migrations, type Migration } from '../electron/core/store';
import { tmpDir } from './helpers';

describe('store', () => {
  it('creates one SQLite file in WAL mode with a busy timeout and records every migration', () => {
    const dir = tmpDir();
    const store = openStore({ dataDir: dir });
    expect(store.file).toBe(path.join(dir, 'mldesk.sqlite'));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const versions = store.db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
    expect(versions).toEqual(migrations.map((m) => m.version));
    expect(store.schemaVersion).toBe(migrations.at(-1)!.version);
    store.close();
  });

  it('runs only new migrations on reopen, and rolls back a failing one entirely', () => {
    const dir = tmpDir();
    const base: Migration[] = [{ version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' }];
    openStore({ dataDir: dir, migrations: base }).close();
    const broken: Migration[] = [...base, { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);' }];
    expect(() => openStore({ dataDir: dir, migrations: broken })).toThrow(/no such table: nope/);
    const db = new Database(path.join(dir, 'mldesk.sqlite'));
    // Neither the half-applied table nor the version row survived.
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(1);
    db.close();
    const ok = openStore({ dataDir: dir, migrations: [...base, { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER);' }] });
    expect(ok.schemaVersion).toBe(2);
    ok.close();
  });

  it('refuses a data dir written by a newer schema, and gaps in numbering', () => {
    const dir = tmpDir();
    openStore({ dataDir: dir, migrations: [{ version: 1, name: 'a', sql: 'SELECT 1;' }, { version: 2, name: 'b', sql: 'SELECT 1;' }] }).close();
    expect(() => openStore({ dataDir: dir, migrations: [{ version: 1, name: 'a', sql: 'SELECT 1;' }] })).toThrow(/newer mldesk/);
    expect(() => openStore({ dataDir: tmpDir(), migrations: [{ version: 2, name: 'x', sql: 'SELECT 1;' }] })).toThrow(/without gaps/);
  });
});
