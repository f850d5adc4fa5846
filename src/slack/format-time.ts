const shanghai = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `2026-11-28 13:05:09 UTC · 2026-11-28 21:05:09 Asia/Shanghai` */
export function formatUtcAndShanghai(iso: string): string {
  const date = new Date(iso);
  const utc = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const parts = Object.fromEntries(shanghai.formatToParts(date).map((p) => [p.type, p.value]));
  const cst = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  return `${utc} · ${cst} Asia/Shanghai`;
}
