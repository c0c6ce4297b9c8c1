import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Console sessions: after signing in with an admin token, the browser holds an http-only cookie
 * instead of the token. The cookie is `s1.<expiry>.<mac>`, where the MAC is keyed by the admin
 * token, so it proves knowledge of a token without containing it, survives a server restart,
 * and stops working when that token is removed from the configuration.
 */

export const SESSION_COOKIE = 'centric_session';

/** The header the console sends on requests that change data; a cross-site form cannot send it. */
export const CSRF_HEADER = 'x-centric-console';

/** How long a console session lasts before the person signs in again. */
export const SESSION_SECONDS = 12 * 60 * 60;

const VERSION = 's1';

/** A session value for `token`, valid until `expiresAt` (seconds since the epoch). */
export function createSessionValue(token: string, expiresAt: number): string {
  return `${VERSION}.${expiresAt}.${mac(token, expiresAt)}`;
}

/** The session's expiry (seconds) when `value` was made with one of `tokens` and has not expired; otherwise null. */
export function verifySessionValue(value: string, tokens: string[], nowSeconds: number): number | null {
  const match = /^s1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return null;
  const expiresAt = Number(match[1]);
  if (expiresAt <= nowSeconds) return null;
  const given = Buffer.from(match[2]!, 'base64url');
  for (const token of tokens) {
    if (token === '') continue;
    const expected = Buffer.from(mac(token, expiresAt), 'base64url');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return expiresAt;
  }
  return null;
}

/** The session cookie's value in a Cookie header, if any; session values need no decoding. */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SESSION_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie header for a session (an empty value with max-age 0 ends it): http-only, so page
 * scripts never see it; SameSite=Strict, so other sites' requests do not carry it; Secure over https.
 */
export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function mac(token: string, expiresAt: number): string {
  // The key is a digest of the token, so the token itself never meets the HMAC input of another purpose.
  const key = createHash('sha256').update(`centric console session\0${token}`).digest();
  return createHmac('sha256', key).update(`${VERSION}.${expiresAt}`).digest('base64url');
}
