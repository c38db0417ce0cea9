// Calendar and instant checks of the event contract, hand-written because they sit on the decoder's hot
// path (Date.parse and a regular expression per field cost several times more).

/**
 * Epoch ms of an ISO-8601 timestamp already matching the schema pattern, or undefined if it is not a real
 * instant (month 13, 30 February, 25:00). Hand-parsed: Date.parse costs several times more on the hot path.
 */
export function parseTimestamp(iso: string): number | undefined {
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  if (!isRealDate(year, month, day)) return undefined;
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  let i = 16;
  let second = 0;
  let millis = 0;
  if (iso.charCodeAt(i) === 58 /* : */) {
    second = digits(iso, 17, 2);
    i = 19;
    if (iso.charCodeAt(i) === 46 /* . */) {
      let j = i + 1;
      let scale = 100;
      while (j < iso.length && iso.charCodeAt(j) >= 48 && iso.charCodeAt(j) <= 57) {
        millis += (iso.charCodeAt(j) - 48) * scale;
        scale /= 10;
        j++;
      }
      millis = Math.floor(millis);
      i = j;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const sign = iso.charCodeAt(i);
  if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = digits(iso, i + 1, 2);
    const om = digits(iso, i + 4, 2);
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = (sign === 43 ? 1 : -1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** Integer value of `n` ASCII digits at `at` (the schema pattern has already checked they are digits). */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) v = v * 10 + (s.charCodeAt(k) - 48);
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
  return (
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(ymd) &&
    isRealDate(digits(ymd, 0, 4), digits(ymd, 5, 2), digits(ymd, 8, 2))
  );
}
