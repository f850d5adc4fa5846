const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

class BadDateError extends Error {
  constructor(flag: string, value: string) {
    super(
      `${flag} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD (a UTC day) or an ISO 8601 time with Z or an offset, e.g. 2024-05-01T00:00+08:00`,
    );
    this.name = 'BadDateError';
  }
}

/**
 * `--since` is inclusive, `--until` exclusive; a date-only `--until` covers that whole UTC day, which is what
 * people mean by "until 2024-05-31". Times without a zone are refused rather than read in the host's zone.
 */
export function parseRangeBound(flag: '--since' | '--until', value: string): Date {
  if (DATE_ONLY.test(value)) {
    const day = new Date(`${value}T00:00:00.000Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value)
      throw new BadDateError(flag, value);
    return flag === '--until' ? new Date(day.getTime() + 86_400_000) : day;
  }
  const time = new Date(value);
  if (!DATE_TIME_WITH_ZONE.test(value) || Number.isNaN(time.getTime())) throw new BadDateError(flag, value);
  return time;
}
