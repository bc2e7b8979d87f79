import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Task tokens that authenticate themselves: `base64url(taskId ‖ MAC)` where
 * MAC = SHA-256(key ‖ taskId)[0..24], with a 256-bit key drawn per backend. The message has a
 * fixed length (8 bytes), so the secret-prefix MAC has no length-extension weakness, and a
 * one-shot hash costs about a microsecond (an HMAC object costs several). Verifying one needs no memory of tokens issued, so a token of
 * a task closed long ago still answers `TaskTimedOut` and a forged one `InvalidToken`, while
 * the store forgets each task as soon as it closes (memory stays flat however many tasks ran).
 */
export class TaskTokens {
  /** The key, followed by 8 bytes where each task id is written before hashing. */
  readonly #keyAndId = Buffer.concat([randomBytes(32), Buffer.alloc(8)]);

  /** The token for task `taskId` (a safe integer, unique within this backend). */
  mint(taskId: number): string {
    const id = Buffer.allocUnsafe(8);
    id.writeBigUInt64BE(BigInt(taskId));
    return Buffer.concat([id, this.#mac(id)]).toString('base64url');
  }

  /** The task id a token was minted for, or `undefined` if this backend never minted it. */
  read(token: string): number | undefined {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== 8 + MAC_BYTES || raw.toString('base64url') !== token) return undefined;
    const id = raw.subarray(0, 8);
    if (!timingSafeEqual(raw.subarray(8), this.#mac(id))) return undefined;
    return Number(id.readBigUInt64BE());
  }

  #mac(id: Buffer): Buffer {
    id.copy(this.#keyAndId, 32);
    return hash('sha256', this.#keyAndId, 'buffer').subarray(0, MAC_BYTES);
  }
}

/** 192 bits of MAC: unguessable, and the whole token stays 43 characters. */
const MAC_BYTES = 24;

/** A short, non-reversible fingerprint of a token, the only form a token may be logged in. */
export function tokenFingerprint(token: string): string {
  return hash('sha256', token, 'hex').slice(0, 12);
}
