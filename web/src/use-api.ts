import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api.ts';

/** The state of one GET: its data, its error in words, and whether it is on its way. */
export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (nothing while it is null) and again whenever it changes; a late answer for an old path is dropped. */
export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) {
      setState({ loading: false });
      return;
    }
    const ticket = ++latest.current;
    setState((previous) => ({ data: previous.data, loading: true }));
    api<T>('GET', path).then(
      (data) => {
        if (ticket === latest.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (ticket === latest.current) setState({ error: toApiError(error), loading: false });
      },
    );
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** A change a person starts (save, delete, undo, sign in): whether it is under way, and why it failed, in words. */
export interface Action {
  busy: boolean;
  error: ApiError | null;
  setError: (error: ApiError | null) => void;
  /** Runs `work` with `busy` set and the last error cleared; a failure becomes `error` instead of a rejection. */
  run: (work: () => Promise<void>) => Promise<void>;
}

/** The busy flag and error of the changes one form or panel makes. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'CONSOLE', error instanceof Error ? error.message : String(error));
}
