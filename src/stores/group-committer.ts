/**
 * Shares one commit among all requests that arrive while the previous commit runs.
 * Each `submit` waits for the commit that holds its item; the commit itself receives every
 * item queued since the last one, so the cost of making data durable (an fsync) is paid once
 * per group instead of once per request.
 */
export class GroupCommitter<T, R> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  private readonly commit: (items: T[]) => R[];

  /** `commit` must be all-or-nothing: it returns one result per item, or throws and keeps none. */
  constructor(commit: (items: T[]) => R[]) {
    this.commit = commit;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets every request already read from the sockets join this group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    let results: R[];
    try {
      results = this.commit(group.map((entry) => entry.item));
    } catch (error) {
      for (const entry of group) entry.reject(error);
      return;
    }
    group.forEach((entry, index) => entry.resolve(results[index]!));
  }
}
