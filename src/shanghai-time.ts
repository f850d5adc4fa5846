/**
 * Asia/Shanghai on the clock. China has kept UTC+8 without daylight saving since its last summer time ended in
 * September 1991, so from 1992 on a fixed offset is exact and the time-zone database (Intl, much slower) is
 * asked only about earlier instants. WDT reads and writes every date at a fixed UTC+8.
 */
const FIXED_OFFSET_SINCE = Date.UTC(1992, 0, 1);
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const WDT_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

let historic: Intl.DateTimeFormat | undefined;

function byTimeZoneDatabase(at: Date): string {
  historic ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const parts = Object.fromEntries(historic.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** `2026-11-28 13:05:09` (seconds, no zone) for an instant on UTC's clock. */
export function utcTime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/** `2026-11-28 21:05:09` at a fixed UTC+8: the `yyyy-MM-dd HH:mm:ss` of every WDT date parameter. */
export function formatShanghai(at: Date): string {
  return utcTime(new Date(at.getTime() + SHANGHAI_OFFSET_MS));
}

/** Parses WDT's `yyyy-MM-dd HH:mm:ss` at UTC+8; null for anything else, including `0000-00-00 00:00:00`. */
export function parseShanghai(text: string): Date | null {
  const match = WDT_DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(utc - SHANGHAI_OFFSET_MS);
  // Date.UTC rolls 02-30 over into March: a value that does not survive the round trip is not a date.
  if (year < 1970 || formatShanghai(date) !== text.trim()) return null;
  return date;
}

/** `2026-11-28 21:05:09`: the same instant on the clock the warehouse team reads (Asia/Shanghai). */
export function shanghaiTime(at: Date): string {
  return at.getTime() >= FIXED_OFFSET_SINCE ? formatShanghai(at) : byTimeZoneDatabase(at);
}
