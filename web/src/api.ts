/** Talking to the management API with the console's session cookie. */

/** A failed API call, with the server's code and a message a person can act on. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Fired on window when the server no longer accepts the session, so the console shows the sign-in page. */
export const SIGNED_OUT_EVENT = 'centric:signed-out';

/** Calls `/api/v1<path>`; the answer's JSON, or an ApiError in words. */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-centric-console': '1', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server did not answer. Is Centric still running?');
  }
  const text = await response.text();
  let json: unknown = undefined;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'NOT_JSON', `The server answered ${response.status} with something that is not JSON.`);
    }
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = error?.code ?? `HTTP_${response.status}`;
    if (response.status === 401 && path !== '/session') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(response.status, code, error?.message ?? `The server answered ${response.status}.`);
  }
  return json as T;
}

/** Builds a query string from the values that are set. */
export function query(params: Record<string, string | number | boolean | undefined | null | string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) search.set(key, value.join(','));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
