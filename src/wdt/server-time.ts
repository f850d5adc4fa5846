const WDT_EPOCH_MS = 1_325_347_200_000;
/** Seconds since 1970 passed 1e9 in 2001; seconds since 2012 stay below it until 2043. */
const UNIX_SECONDS_FLOOR = 1e9;
/** Anything this large is milliseconds: as seconds it would be the year 5138. */
const MILLISECONDS_FLOOR = 1e11;

/**
 * Reads `system.Core.now`'s `data`. Whether WDT counts seconds from 1970 or from its 2012 epoch is not
 * documented, so the magnitude decides; milliseconds are accepted too. Null when it is not a time at all.
 */
export function parseServerTime(data: unknown): Date | null {
  const value = typeof data === 'string' && data.trim() !== '' ? Number(data) : data;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  if (value >= MILLISECONDS_FLOOR) return new Date(value);
  if (value >= UNIX_SECONDS_FLOOR) return new Date(value * 1000);
  return new Date(WDT_EPOCH_MS + value * 1000);
}
