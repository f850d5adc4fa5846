import { SHANGHAI_OFFSET_MS, utcPlus8Time } from '../shanghai-time.js';

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for WDT's dates.
const WDT_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai, the format of every WDT date parameter. */
export function formatShanghai(date: Date): string {
  return utcPlus8Time(date);
}

/** Parses `yyyy-MM-dd HH:mm:ss` read as Asia/Shanghai; null for anything else, including `0000-00-00 00:00:00`. */
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
