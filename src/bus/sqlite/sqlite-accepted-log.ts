import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AppendRequest } from '../../stores/ports.ts';
import { GroupCommitter } from '../../stores/group-committer.ts';
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
  private readonly listeners: Array<() => void> = [];
  private pendingRequests = 0;
  private pendingEvents = 0;

  constructor(options: SqliteAcceptedLogOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA busy_timeout = 10000;
      CREATE TABLE IF NOT EXISTS accepted (seq INTEGER PRIMARY KEY AUTOINCREMENT, events INTEGER NOT NULL, request TEXT NOT NULL);`);
    this.insert = this.db.prepare('INSERT INTO accepted (events, request) VALUES (?, ?)');
    const counts = this.db.prepare('SELECT count(*) AS requests, coalesce(sum(events), 0) AS events FROM accepted').get() as { requests: number; events: number };
    this.pendingRequests = counts.requests;
    this.pendingEvents = counts.events;
    this.committer = new GroupCommitter((requests) => this.commit(requests));
  }

  append(request: AppendRequest): Promise<void> {
    return this.committer.submit(request);
  }

  private commit(requests: AppendRequest[]): void[] {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const request of requests) this.insert.run(request.events.length, JSON.stringify(request));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    this.pendingRequests += requests.length;
    for (const request of requests) this.pendingEvents += request.events.length;
    setImmediate(() => {
      for (const listener of this.listeners) listener();
    });
    return requests.map(() => undefined);
  }

  async read(afterSeq: number, maxEvents: number): Promise<LoggedRequest[]> {
    const entries: LoggedRequest[] = [];
    let events = 0;
    for (const row of this.db.prepare('SELECT seq, events, request FROM accepted WHERE seq > ? ORDER BY seq').iterate(afterSeq) as Iterable<{
      seq: number; events: number; request: string;
    }>) {
      if (entries.length > 0 && events + row.events > maxEvents) break;
      entries.push({ seq: row.seq, request: JSON.parse(row.request) as AppendRequest });
      events += row.events;
    }
    return entries;
  }

  async release(seq: number): Promise<void> {
    const released = this.db.prepare('DELETE FROM accepted WHERE seq <= ? RETURNING events').all(seq) as Array<{ events: number }>;
    this.pendingRequests -= released.length;
    for (const row of released) this.pendingEvents -= row.events;
  }

  pending(): { requests: number; events: number } {
    return { requests: this.pendingRequests, events: this.pendingEvents };
  }

  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
