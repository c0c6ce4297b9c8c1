/**
 * Shares one transaction among the requests that arrive while earlier ones commit, like the SQLite
 * store's GroupCommitter, for a commit that is asynchronous: up to `concurrency` groups run at once
 * (each on its own connection), and a group takes queued items until their weight reaches `maxWeight`.
 * When a group fails with an error `isolate` accepts (one item's bad data), each item is committed on
 * its own, so only the item at fault fails.
 */
export class AsyncGroupCommitter<T, R> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private running = 0;
  private scheduled = false;
  private readonly commit: (items: T[]) => Promise<R[]>;
  private readonly concurrency: number;
  private readonly maxWeight: number;
  private readonly weight: (item: T) => number;
  private readonly isolate: (error: unknown) => boolean;

  /** `commit` must be all-or-nothing: it returns one result per item, or throws and keeps none. */
  constructor(
    commit: (items: T[]) => Promise<R[]>,
    options: { concurrency: number; maxWeight: number; weight: (item: T) => number; isolate?: (error: unknown) => boolean },
  ) {
    this.commit = commit;
    this.concurrency = options.concurrency;
    this.maxWeight = options.maxWeight;
    this.weight = options.weight;
    this.isolate = options.isolate ?? (() => false);
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this group.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      let weight = 0;
      let count = 0;
      while (count < this.queue.length && (count === 0 || weight + this.weight(this.queue[count]!.item) <= this.maxWeight)) {
        weight += this.weight(this.queue[count]!.item);
        count += 1;
      }
      const group = this.queue.splice(0, count);
      this.running += 1;
      void this.settle(group).finally(() => {
        this.running -= 1;
        this.schedule();
      });
    }
  }

  private async settle(group: typeof this.queue): Promise<void> {
    try {
      const results = await this.commit(group.map((entry) => entry.item));
      group.forEach((entry, index) => entry.resolve(results[index]!));
    } catch (error) {
      if (group.length === 1 || !this.isolate(error)) {
        for (const entry of group) entry.reject(error);
        return;
      }
      for (const entry of group) {
        try {
          entry.resolve((await this.commit([entry.item]))[0]!);
        } catch (alone) {
          entry.reject(alone);
        }
      }
    }
  }
}
