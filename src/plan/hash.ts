/** Content hashes that make generated names deterministic and unique. */
import { createHash } from 'node:crypto';

/** Hex sha256 of a string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The first `length` hex digits of the sha256 of a list of parts. The parts are hashed as a JSON
 * array so that ["a-b", "c"] and ["a", "b-c"] never collide, as a plain join would.
 */
export function shortHash(parts: readonly string[], length = 8): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, length);
}
