// Calendar and instant checks of the event contract, hand-written because they sit on the decoder's hot
// path (Date.parse and a regular expression per field cost several times more). One implementation, on
// bytes: the one-pass decoder calls it on the record itself, the full decoder on the field's string.

/**
 * Scans the contract's Timestamp, YYYY-MM-DDTHH:MM[:SS[.f{1,9}]](Z|±HH:MM), at `s` of `b` in one pass,
 * digits checked as they are read. A real instant's epoch ms goes to `out[slot]` and the index after it is
 * returned; -1 when the bytes do not match the pattern or name no real instant (month 13, 30 February,
 * 25:00).
 */
export function scanTimestamp(b: Uint8Array, s: number, out: Float64Array, slot: number): number {
  const year = digitsOrNot(b, s, 4);
  const month = digitsOrNot(b, s + 5, 2);
  const day = digitsOrNot(b, s + 8, 2);
  const hour = digitsOrNot(b, s + 11, 2);
  const minute = digitsOrNot(b, s + 14, 2);
  if ((year | month | day | hour | minute) < 0) return -1;
  if (b[s + 4] !== 45 || b[s + 7] !== 45 || b[s + 10] !== 84 /* T */ || b[s + 13] !== 58) return -1;
  let i = s + 16;
  let second = 0;
  let millis = 0;
  if (b[i] === 58 /* : */) {
    second = digitsOrNot(b, i + 1, 2);
    if (second < 0) return -1;
    i += 3;
    if (b[i] === 46 /* . */) {
      const f = i + 1;
      let j = f;
      let scale = 100;
      while (isDigit(b[j])) {
        millis += ((b[j] as number) - 48) * scale;
        scale /= 10;
        j++;
      }
      if (j === f || j - f > 9) return -1;
      millis = Math.floor(millis);
      i = j;
    }
  }
  let offsetMinutes = 0;
  const sign = b[i];
  if (sign === 90 /* Z */) i++;
  else if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = digitsOrNot(b, i + 1, 2);
    const om = digitsOrNot(b, i + 4, 2);
    if (oh < 0 || om < 0 || b[i + 3] !== 58) return -1;
    if (oh > 18 || om > 59) return -1;
    offsetMinutes = (sign === 43 ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else return -1;
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return -1;
  out[slot] = utcMs(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return i;
}

const SCANNED = new Float64Array(1);
/**
 * The characters parseTimestamp scans, as bytes: one array for every call (a Buffer per call cost the
 * warehouse loader more than the scan). Longer than the longest timestamp the pattern matches (35).
 */
const SCRATCH = new Uint8Array(64);

/** Epoch ms of a timestamp string, or undefined if it does not match the pattern or is no real instant. */
export function parseTimestamp(iso: string): number | undefined {
  if (iso.length >= SCRATCH.length) return undefined;
  for (let k = 0; k < iso.length; k++) {
    const c = iso.charCodeAt(k);
    // Only ASCII can be part of a timestamp (as bytes, the one-pass decoder sees UTF-8 as above 127).
    if (c > 127) return undefined;
    SCRATCH[k] = c;
  }
  // A byte no pattern reads ends the scan at the string's end.
  SCRATCH[iso.length] = 0;
  const end = scanTimestamp(SCRATCH, 0, SCANNED, 0);
  return end === iso.length ? SCANNED[0] : undefined;
}

/**
 * `Date.UTC(year, month - 1, …)` for a real date, by days-from-civil arithmetic: the builtin call cost more
 * than the rest of the scan. Unlike Date.UTC it reads years 0–99 as themselves, as Date.parse does.
 */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number {
  // A March-based year puts the leap day last; 719,468 days from 0000-03-01 to 1970-01-01.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** Integer value of `n` ASCII digits at `at`, or -1 if one of them is not a digit. */
export function digitsOrNot(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = b[k];
    if (!isDigit(c)) return -1;
    v = v * 10 + ((c as number) - 48);
  }
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
  return isRealDate(digitsOrNot(b, 0, 4), digitsOrNot(b, 5, 2), digitsOrNot(b, 8, 2));
}
