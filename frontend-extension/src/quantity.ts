/**
 * Kubernetes resource quantities ("500m", "2", "4Gi", "1e3"), parsed with the same
 * grammar and exact decimal arithmetic as the service (Quantity.java), so that the form
 * accepts what the service accepts and compares limits the same way.
 */

const GRAMMAR =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const BINARY_POWERS: { [suffix: string]: number } = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60
};

const DECIMAL_EXPONENTS: { [suffix: string]: number } = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18
};

// The service reads exponents with Integer.parseInt: anything outside an int is no number it takes.
const MAX_EXPONENT = 2147483647;

const ZERO = BigInt(0);
const TEN = BigInt(10);

/** An exact decimal: `unscaled × 10^-scale`, as Java's BigDecimal keeps it. */
export interface IQuantity {
  /** The text as given, trimmed. */
  readonly text: string;
  readonly unscaled: bigint;
  readonly scale: number;
}

/** The quantity, or null when the text is not a quantity at all. */
export function parseQuantity(text: string): IQuantity | null {
  const trimmed = text.trim();
  const match = GRAMMAR.exec(trimmed);
  if (match === null) {
    return null;
  }
  const [, numberText, suffix] = match;
  const negative = numberText.startsWith('-');
  const unsigned = numberText.replace(/^[+-]/, '');
  const [intPart, fracPart = ''] = unsigned.split('.');
  let unscaled = BigInt((intPart || '0') + fracPart);
  if (negative) {
    unscaled = -unscaled;
  }
  let scale = fracPart.length;
  if (suffix === undefined) {
    // a plain number
  } else if (suffix in BINARY_POWERS) {
    unscaled = unscaled * BigInt(2) ** BigInt(BINARY_POWERS[suffix]);
  } else if (suffix in DECIMAL_EXPONENTS) {
    scale -= DECIMAL_EXPONENTS[suffix];
  } else {
    const exponent = Number(suffix.substring(1));
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
      return null;
    }
    scale -= exponent;
  }
  return { text: trimmed, unscaled, scale };
}

function sign(q: IQuantity): number {
  return q.unscaled > ZERO ? 1 : q.unscaled < ZERO ? -1 : 0;
}

function digitCount(n: bigint): number {
  return (n < ZERO ? -n : n).toString().length;
}

/** -1, 0 or 1 as a is less than, equal to or more than b (exact, whatever the exponents). */
export function compareQuantities(a: IQuantity, b: IQuantity): number {
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) {
    return sa < sb ? -1 : 1;
  }
  if (sa === 0) {
    return 0;
  }
  // Orders of magnitude first, so that "1e-900" never becomes a 900-digit number.
  const orderA = digitCount(a.unscaled) - a.scale;
  const orderB = digitCount(b.unscaled) - b.scale;
  if (Math.abs(orderA - orderB) >= 2) {
    const larger = orderA > orderB ? 1 : -1;
    return sa > 0 ? larger : -larger;
  }
  // Close in magnitude: the scales differ by at most the digits given, so this stays small.
  const common = Math.max(a.scale, b.scale);
  const left = a.unscaled * TEN ** BigInt(common - a.scale);
  const right = b.unscaled * TEN ** BigInt(common - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isPositive(q: IQuantity): boolean {
  return q.unscaled > ZERO;
}

export function isWholeNumber(q: IQuantity): boolean {
  if (q.scale <= 0 || q.unscaled === ZERO) {
    return true;
  }
  if (q.scale >= digitCount(q.unscaled)) {
    // |unscaled| < 10^scale and not zero: a fraction.
    return false;
  }
  return q.unscaled % TEN ** BigInt(q.scale) === ZERO;
}

/** The value written out without an exponent, like BigDecimal.toPlainString(). */
export function toPlainString(q: IQuantity): string {
  const negative = q.unscaled < ZERO;
  const digits = (negative ? -q.unscaled : q.unscaled).toString();
  if (Math.abs(q.scale) > 1000) {
    // Too long to write out in a message; the exponent form says the same.
    return `${negative ? '-' : ''}${digits}e${-q.scale}`;
  }
  let plain: string;
  if (q.scale <= 0) {
    plain = q.unscaled === ZERO ? '0' : digits + '0'.repeat(-q.scale);
  } else {
    const padded = digits.padStart(q.scale + 1, '0');
    plain =
      padded.slice(0, padded.length - q.scale) +
      '.' +
      padded.slice(padded.length - q.scale);
  }
  return negative ? '-' + plain : plain;
}

/** A whole-number quantity as a JavaScript number (GPUs), or null if it is not whole or too large. */
export function toWholeNumber(q: IQuantity): number | null {
  if (!isWholeNumber(q) || digitCount(q.unscaled) - q.scale > 16) {
    return null;
  }
  const whole =
    q.scale <= 0
      ? q.unscaled * TEN ** BigInt(-q.scale)
      : q.unscaled / TEN ** BigInt(q.scale);
  const value = Number(whole);
  return Number.isSafeInteger(value) ? value : null;
}

export const MIN_CPU = parseQuantity('1m') as IQuantity;
export const MIN_MEMORY = parseQuantity('16Mi') as IQuantity;
