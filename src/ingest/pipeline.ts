import type { ErrorCode } from '../core/errors.ts';

/** What a step says about one event: carry on with a value, or reject it with a reason. */
export type StepResult<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'reject'; readonly code: ErrorCode; readonly message: string; readonly field?: string };

/** One named, pure transformation of an event on its way to the store. */
export type Step<I, O> = (input: I) => StepResult<O>;

export function ok<T>(value: T): StepResult<T> {
  return { kind: 'ok', value };
}

export function reject(code: ErrorCode, message: string, field?: string): StepResult<never> {
  return field === undefined ? { kind: 'reject', code, message } : { kind: 'reject', code, message, field };
}

/**
 * A chain of steps read top to bottom. Bad data ends the chain with a `reject` result;
 * an exception inside a step is a bug and is left to propagate.
 */
export class Pipeline<I, O> {
  private readonly steps: ReadonlyArray<Step<unknown, unknown>>;

  private constructor(steps: ReadonlyArray<Step<unknown, unknown>>) {
    this.steps = steps;
  }

  static start<T>(): Pipeline<T, T> {
    return new Pipeline<T, T>([]);
  }

  pipe<N>(step: Step<O, N>): Pipeline<I, N> {
    return new Pipeline<I, N>([...this.steps, step as Step<unknown, unknown>]);
  }

  /** The step names in order, for logs and docs. */
  get stepNames(): string[] {
    return this.steps.map((step) => step.name);
  }

  run(input: I): StepResult<O> {
    let current: StepResult<unknown> = ok(input);
    for (const step of this.steps) {
      current = step((current as { value: unknown }).value);
      if (current.kind !== 'ok') return current;
    }
    return current as StepResult<O>;
  }
}
