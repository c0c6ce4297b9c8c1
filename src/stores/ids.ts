import { randomBytes } from 'node:crypto';

/** Source ids are readable in logs and URLs; write keys are secrets of 128 random bits. */
export function newSourceId(): string {
  return `src_${randomBytes(9).toString('base64url')}`;
}

export function newWriteKey(): string {
  return randomBytes(16).toString('hex');
}

/** Profile ids, made by whichever engine creates the profile. */
export function newProfileId(): string {
  return `prf_${randomBytes(9).toString('base64url')}`;
}
