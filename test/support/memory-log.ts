/** A pino destination that keeps every line, for assertions on fields and on what must never be logged. */
export function memoryLog() {
  const lines: string[] = [];
  return {
    lines,
    destination: {
      write(chunk: string) {
        lines.push(chunk);
      },
    },
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
