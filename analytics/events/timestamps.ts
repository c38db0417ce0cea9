// Calendar and instant checks of the event contract, hand-written because they sit on the decoder's hot
// path (Date.parse and a regular expression per field cost several times more). One implementation, on
// bytes: the one-pass decoder calls it on the record itself, the full decoder on the field's string.

/**
 * Epoch ms of the ISO-8601 timestamp at [s, end) of `b`, already matching the schema pattern, or undefined
 * if it is not a real instant (month 13, 30 February, 25:00).
 */
export function timestampMsAt(b: Uint8Array, s: number, end: number): number | undefined {
  const year = digitsAt(b, s, 4);
  const month = digitsAt(b, s + 5, 2);
  const day = digitsAt(b, s + 8, 2);
  if (!isRealDate(year, month, day)) return undefined;
  const hour = digitsAt(b, s + 11, 2);
  const minute = digitsAt(b, s + 14, 2);
  let i = s + 16;
  let second = 0;
  let millis = 0;
  if (b[i] === 58 /* : */) {
    second = digitsAt(b, s + 17, 2);
    i = s + 19;
    if (b[i] === 46 /* . */) {
      let j = i + 1;
      let scale = 100;
      while (j < end && (b[j] as number) >= 48 && (b[j] as number) <= 57) {
        millis += ((b[j] as number) - 48) * scale;
        scale /= 10;
        j++;
      }
      millis = Math.floor(millis);
      i = j;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const sign = b[i];
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = digitsAt(b, i + 1, 2);
    const om = digitsAt(b, i + 4, 2);
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = (sign === 43 ? 1 : -1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** The same for a timestamp string (the pattern has made it ASCII). */
export function parseTimestamp(iso: string): number | undefined {
  return timestampMsAt(Buffer.from(iso, "latin1"), 0, iso.length);
}

/** Integer value of `n` ASCII digits at `at` (the caller has checked they are digits). */
export function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) v = v * 10 + ((b[k] as number) - 48);
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const max = m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0);
  return d <= max;
}

/** True for a real YYYY-MM-DD date (rejects 2026-02-30). */
export function isCalendarDate(ymd: string): boolean {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(ymd)) return false;
  const b = Buffer.from(ymd, "latin1");
  return isRealDate(digitsAt(b, 0, 4), digitsAt(b, 5, 2), digitsAt(b, 8, 2));
}
