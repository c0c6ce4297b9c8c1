import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AppendRequest } from '../../stores/ports.ts';
import { GroupCommitter } from '../../stores/group-committer.ts';
import { immediateTransaction } from '../../stores/sqlite/transaction.ts';
import type { AcceptedLog, LoggedRequest } from '../ports.ts';

export interface SqliteAcceptedLogOptions {
  /** A file of its own, so acknowledging never waits for the state store's commits; ':memory:' for tests. */
  path: string;
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * The embedded accepted log: one row per accepted request in a SQLite file (WAL). Appends made at the
 * same moment share one commit, so a request costs a row and a share of one fsync.
 */
export class SqliteAcceptedLog implements AcceptedLog {
  private readonly db: DatabaseSync;
  private readonly committer: GroupCommitter<AppendRequest, void>;
  private readonly insert: StatementSync;
  private readonly readAfter: StatementSync;
  private readonly deleteUpTo: StatementSync;
  private readonly listeners: Array<() => void> = [];
  /** Entries not yet released, oldest first: [seq, events]. */
  private readonly unreleased: Array<[number, number]> = [];
  private unreleasedStart = 0;
  private pendingEvents = 0;

  constructor(options: SqliteAcceptedLogOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA busy_timeout = 10000;
      CREATE TABLE IF NOT EXISTS accepted (seq INTEGER PRIMARY KEY AUTOINCREMENT, events INTEGER NOT NULL, request TEXT NOT NULL);`);
    this.insert = this.db.prepare('INSERT INTO accepted (events, request) VALUES (?, ?)');
    this.readAfter = this.db.prepare('SELECT seq, events, request FROM accepted WHERE seq > ? ORDER BY seq');
    this.deleteUpTo = this.db.prepare('DELETE FROM accepted WHERE seq <= ?');
    for (const row of this.db.prepare('SELECT seq, events FROM accepted ORDER BY seq').iterate() as Iterable<{ seq: number; events: number }>) {
      this.unreleased.push([row.seq, row.events]);
      this.pendingEvents += row.events;
    }
    this.committer = new GroupCommitter((requests) => this.commit(requests));
  }

  append(request: AppendRequest): Promise<void> {
    return this.committer.submit(request);
  }

  private commit(requests: AppendRequest[]): void[] {
    const appended = immediateTransaction(this.db, () =>
      requests.map((request): [number, number] => [Number(this.insert.run(request.events.length, JSON.stringify(request)).lastInsertRowid), request.events.length]),
    );
    for (const entry of appended) {
      this.unreleased.push(entry);
      this.pendingEvents += entry[1];
    }
    setImmediate(() => {
      for (const listener of this.listeners) listener();
    });
    return requests.map(() => undefined);
  }

  async read(afterSeq: number, maxEvents: number): Promise<LoggedRequest[]> {
    const entries: LoggedRequest[] = [];
    let events = 0;
    for (const row of this.readAfter.iterate(afterSeq) as Iterable<{
      seq: number; events: number; request: string;
    }>) {
      if (entries.length > 0 && events + row.events > maxEvents) break;
      entries.push({ seq: row.seq, request: JSON.parse(row.request) as AppendRequest });
      events += row.events;
    }
    return entries;
  }

  async release(seq: number): Promise<void> {
    this.deleteUpTo.run(seq);
    this.forget(seq);
  }

  /** Drops entries up to `seq` from the counts only: another connection (the processing thread) released them. */
  forget(seq: number): void {
    while (this.unreleasedStart < this.unreleased.length && this.unreleased[this.unreleasedStart]![0] <= seq) {
      this.pendingEvents -= this.unreleased[this.unreleasedStart]![1];
      this.unreleasedStart += 1;
    }
    if (this.unreleasedStart > 4096 && this.unreleasedStart * 2 > this.unreleased.length) {
      this.unreleased.splice(0, this.unreleasedStart);
      this.unreleasedStart = 0;
    }
  }

  pending(): { requests: number; events: number } {
    return { requests: this.unreleased.length - this.unreleasedStart, events: this.pendingEvents };
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  isReady(): boolean {
    return this.db.isOpen;
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
