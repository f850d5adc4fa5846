/** Every sample of a Prometheus text exposition, keyed as written: `name{label="value",…}` or `name`. */
export function parsePrometheusText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** GETs `/metrics` at `base` and parses it; fails on anything but 200. */
export async function scrapeMetrics(
  base: string,
  headers: Record<string, string> = {},
): Promise<Map<string, number>> {
  const response = await fetch(new URL('/metrics', base), { headers });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheusText(await response.text());
}

/** How much each sample moved between two scrapes (a sample absent before counts from 0). */
export function metricDelta(before: Map<string, number>, after: Map<string, number>, key: string): number {
  const now = after.get(key);
  if (now === undefined) throw new Error(`no sample ${key} in the scrape`);
  return now - (before.get(key) ?? 0);
}
