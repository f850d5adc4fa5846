import { shanghaiTime, utcTime } from '../shanghai-time.js';

/** `2026-11-28 13:05:09 UTC · 2026-11-28 21:05:09 Asia/Shanghai` */
export function formatUtcAndShanghai(iso: string): string {
  const at = new Date(iso);
  return `${utcTime(at)} UTC · ${shanghaiTime(at)} Asia/Shanghai`;
}
