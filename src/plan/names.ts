/**
 * Names of generated AWS resources: a readable part built from Kubernetes names, cut to the
 * service's length limit, followed by a hash that keeps the name unique when the cut loses detail.
 */
import { IAM_ROLE_NAME_MAX, LABEL_VALUE_MAX } from '../api/constants.js';

/** The character rules of one kind of AWS name. */
export interface NameRules {
  /** Longest name the service accepts. */
  max: number;
  /** Matches every character the service does not accept; each is replaced by "-". */
  invalidChars: RegExp;
}

/** IAM role names: up to 64 of `[\w+=,.@-]`. */
export const IAM_ROLE_NAME_RULES: NameRules = { max: IAM_ROLE_NAME_MAX, invalidChars: /[^\w+=,.@-]/g };

/**
 * Fargate profile names: EKS takes up to 100 of `[0-9A-Za-z_-]`, starting with a letter or digit;
 * the operator keeps them within 63 because each is also the value of its pods' profile labels.
 */
export const PROFILE_NAME_RULES: NameRules = { max: LABEL_VALUE_MAX, invalidChars: /[^0-9A-Za-z_-]/g };

/** The readable part with invalid characters replaced and no leading separator. */
function sanitize(readable: string, rules: NameRules): string {
  return readable.replace(rules.invalidChars, '-').replace(/^[^0-9A-Za-z]+/, '');
}

/**
 * `<readable>-<hash>` within `rules.max`: the readable part is cut, never the hash, and a cut
 * does not leave a dangling separator before the hash.
 */
export function hashedName(readable: string, hash: string, rules: NameRules): string {
  const room = rules.max - hash.length - 1;
  const cut = sanitize(readable, rules).slice(0, Math.max(room, 0)).replace(/[^0-9A-Za-z]+$/, '');
  return cut ? `${cut}-${hash}` : hash;
}

/** The readable name as it is when it fits, else cut with a hash suffix (see hashedName). */
export function fittedName(readable: string, hash: string, rules: NameRules): string {
  const clean = sanitize(readable, rules);
  return clean && clean.length <= rules.max ? clean : hashedName(readable, hash, rules);
}

/**
 * The name to use for a role whose naming scheme changed: the `earlier` name when the owner's
 * status records a role of that name (it exists and is kept: no rename of what exists), else the
 * `current` one. Roles are named again only when the owner has never recorded one.
 */
export function keptRoleName(recordedArn: string | undefined, earlier: string, current: string): string {
  return recordedArn !== undefined && recordedArn.slice(recordedArn.lastIndexOf('/') + 1) === earlier ? earlier : current;
}
