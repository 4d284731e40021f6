/**
 * An instant as RFC 3339 writes one (the profile of ISO 8601 with seconds, a time zone, and a
 * `.` before a fraction), or a calendar date alone, meaning its midnight UTC. ISO 8601's other
 * shapes (basic format, week and ordinal dates, a `,` fraction, no time zone) are refused
 * rather than guessed at.
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2})))?$/;

/** The instant `text` names, or null when it names none (see INSTANT). */
export function parseInstant(text: string): Date | null {
  const match = INSTANT.exec(text.toUpperCase());
  if (!match) return null;
  const [year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  const [fraction = '', sign = '+'] = [match[7], match[8]];
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return null;
  }
  const instant = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  instant.setUTCFullYear(year, month - 1, day);
  // A day or month out of range rolls over (February 30 becomes March 1): not a date.
  if (instant.getUTCMonth() !== month - 1 || instant.getUTCDate() !== day) return null;
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  instant.setUTCHours(hour, minute - offset, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  return instant;
}
