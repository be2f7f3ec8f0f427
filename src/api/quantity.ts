/**
 * Kubernetes resource quantities ("500m", "1Gi", "1e3", 2) as plain numbers, following the
 * grammar of k8s.io/apimachinery/pkg/api/resource: a decimal number, then an optional binary-SI
 * suffix (Ki..Ei), decimal-SI suffix (n, u, m, k, M, G, T, P, E) or decimal exponent (e3, E-2).
 */
import type { Quantity } from './types.js';

/** A quantity that does not parse, or one that a resource request cannot have (negative). */
export class QuantityError extends Error {
  override name = 'QuantityError';
}

const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Decimal suffixes as powers of ten. */
const DECIMAL_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// "E" alone is exa; "E" followed by digits is an exponent: the regex tries the suffix first and
// backtracks to the exponent branch when digits follow.
const QUANTITY_PATTERN =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Multiply by a power of ten; dividing for negative powers keeps "100m" exactly 0.1. */
function scaleByPowerOfTen(value: number, exponent: number): number {
  return exponent >= 0 ? value * 10 ** exponent : value / 10 ** -exponent;
}

/** The plain value of a quantity in its base unit (cores for cpu, bytes for memory/storage). */
export function parseQuantity(q: Quantity): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new QuantityError(`${q} is not a finite quantity`);
    if (q < 0) throw new QuantityError(`${q} is negative; resource amounts must be zero or more`);
    return q;
  }
  if (typeof q !== 'string') {
    throw new QuantityError(`${JSON.stringify(q)} is not a quantity; write a number or a string such as "500m" or "1Gi"`);
  }
  const m = QUANTITY_PATTERN.exec(q);
  if (!m) {
    throw new QuantityError(
      `"${q}" is not a Kubernetes quantity; write a number with an optional suffix such as "500m", "1.5", "512Mi", "1Gi", "1G" or "1e3"`,
    );
  }
  const [, sign, digits, suffix, exponent] = m;
  if (sign === '-' && Number(digits) !== 0) {
    throw new QuantityError(`"${q}" is negative; resource amounts must be zero or more`);
  }
  const base = Number(digits);
  let value: number;
  if (exponent !== undefined) value = scaleByPowerOfTen(base, Number(exponent));
  else if (suffix !== undefined && suffix in BINARY_SUFFIXES) value = base * (BINARY_SUFFIXES[suffix] ?? 1);
  else value = scaleByPowerOfTen(base, DECIMAL_EXPONENTS[suffix ?? ''] ?? 0);
  if (!Number.isFinite(value)) throw new QuantityError(`"${q}" is too large`);
  return value;
}

/** CPU quantity in cores: "500m" -> 0.5, 2 -> 2, "1.5" -> 1.5. Throws QuantityError. */
export function parseCpuCores(q: Quantity): number {
  return parseQuantity(q);
}

/** Memory or storage quantity in bytes: "1Gi" -> 1073741824, "1G" -> 1e9. Throws QuantityError. */
export function parseBytes(q: Quantity): number {
  return parseQuantity(q);
}

/** Bytes in one GiB, the unit Fargate's memory table and storage size are in. */
export const BYTES_PER_GIB = 2 ** 30;
