/** How a background loop waits and reports. */
export interface BackgroundLoopOptions {
  /** How long to wait when a step found nothing to do; `wake()` cuts the wait short. */
  idleMs: number;
  /** A step that threw; the loop waits as if idle and tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Runs a step over and over in the background: again at once while it finds work, after `idleMs` or
 * a wake-up when it finds none. Steps never overlap, also with steps run from outside through
 * `runStep` (a test or a catch-up while the loop runs). The followers of the state store (analytics
 * sink, segment engine, membership relay) each run on one.
 */
export class BackgroundLoop {
  private readonly work: () => Promise<boolean>;
  private readonly options: BackgroundLoopOptions;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private interruptSleep: (() => void) | null = null;
  private wakePending = false;
  private turn: Promise<unknown> = Promise.resolve();
  /** The message of the last step that threw, null once one succeeds. */
  lastError: string | null = null;

  /** `work` does one step and says whether it found anything to do. */
  constructor(work: () => Promise<boolean>, options: BackgroundLoopOptions) {
    this.work = work;
    this.options = options;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Finishes the step in hand and stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interruptSleep?.();
    await this.loop;
    this.loop = null;
  }

  /** Look again now; woken during a step, the next wait is skipped (the step may have looked before the news). */
  wake(): void {
    if (this.interruptSleep) this.interruptSleep();
    else this.wakePending = true;
  }

  /** Runs `step` once the step in hand (if any) is done. */
  runStep<T>(step: () => Promise<T>): Promise<T> {
    const next = this.turn.then(step);
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        busy = await this.runStep(this.work);
        this.lastError = null;
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.options.onError?.(error);
      }
      if (!busy && !this.stopped) await this.sleep(this.options.idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.interruptSleep = null;
        resolve();
      }, ms);
      this.interruptSleep = () => {
        clearTimeout(timer);
        this.interruptSleep = null;
        resolve();
      };
    });
  }
}
