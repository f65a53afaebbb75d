/** The maximum run time as the user types it (a number and a unit) and as sent (whole seconds). */

export type TimeUnit = 'seconds' | 'minutes' | 'hours' | 'days';

export const TIME_UNITS: readonly TimeUnit[] = ['seconds', 'minutes', 'hours', 'days'];

export const SECONDS_PER_UNIT: { [unit in TimeUnit]: number } = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86400
};

const DECIMAL = /^([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))$/;

export type SecondsResult =
  | { ok: true; seconds: number }
  | { ok: false; reason: 'not-a-number' | 'not-whole' | 'too-large'; exact?: string };

/**
 * `amount` of `unit` in seconds, computed exactly (0.1 minutes is 6 seconds, not
 * 6.000000000000001). Fails when the text is no decimal number or the result is not a
 * whole number of seconds.
 */
export function toSeconds(amount: string, unit: TimeUnit): SecondsResult {
  const match = DECIMAL.exec(amount.trim());
  if (match === null) {
    return { ok: false, reason: 'not-a-number' };
  }
  const [, sign, intPart, fracPart, onlyFrac] = match;
  const fraction = fracPart ?? onlyFrac ?? '';
  const digits = (intPart ?? '0') + fraction;
  let unscaled = BigInt(digits) * BigInt(SECONDS_PER_UNIT[unit]);
  if (sign === '-') {
    unscaled = -unscaled;
  }
  const divisor = BigInt(10) ** BigInt(fraction.length);
  if (unscaled % divisor !== BigInt(0)) {
    return { ok: false, reason: 'not-whole' };
  }
  const seconds = Number(unscaled / divisor);
  if (!Number.isSafeInteger(seconds)) {
    return { ok: false, reason: 'too-large' };
  }
  return { ok: true, seconds };
}

/** The largest unit that divides the seconds evenly, for showing a stored value. */
export function fromSeconds(seconds: number): { amount: string; unit: TimeUnit } {
  if (Number.isSafeInteger(seconds) && seconds > 0) {
    for (const unit of ['days', 'hours', 'minutes'] as TimeUnit[]) {
      if (seconds % SECONDS_PER_UNIT[unit] === 0) {
        return { amount: String(seconds / SECONDS_PER_UNIT[unit]), unit };
      }
    }
  }
  return { amount: String(seconds), unit: 'seconds' };
}

/** "2 hours", "90 seconds", "1 day": for messages and read-only views. */
export function describeSeconds(seconds: number): string {
  const { amount, unit } = fromSeconds(seconds);
  const singular = unit.slice(0, -1);
  return `${amount} ${amount === '1' ? singular : unit}`;
}
