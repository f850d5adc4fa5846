/** China has kept UTC+8 without daylight saving since 1992; Intl (slow: ~50 µs a call) only before that. */
const FIXED_OFFSET_SINCE = Date.UTC(1992, 0, 1);
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

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

/** `2026-11-28 21:05:09` at UTC+8 for any instant: WDT writes every date this way. */
export function utcPlus8Time(at: Date): string {
  return utcTime(new Date(at.getTime() + SHANGHAI_OFFSET_MS));
}

/** `2026-11-28 21:05:09`: the same instant on the clock the warehouse team reads (Asia/Shanghai). */
export function shanghaiTime(at: Date): string {
  return at.getTime() >= FIXED_OFFSET_SINCE ? utcPlus8Time(at) : byTimeZoneDatabase(at);
}
