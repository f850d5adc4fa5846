import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOC_FILES, readRepoFile, repoRoot } from './doc-files.js';

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const base = heading!
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every relative link of a document: `[text](path#anchor)`, outside code blocks. */
function relativeLinks(markdown: string): { target: string; anchor: string | null }[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [target, anchor] = href.split('#');
      return { target: target ?? '', anchor: anchor ?? null };
    });
}

const cases = DOC_FILES.flatMap((file) =>
  relativeLinks(readRepoFile(file)).map((link) => ({ file, ...link })),
);

describe('links between the documents', () => {
  it('are there to check', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('$file → $target#$anchor resolves', ({ file, target, anchor }) => {
    const path = target === '' ? file : normalize(join(dirname(file), target));
    expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true);
    if (anchor !== null) expect([...anchorsOf(readRepoFile(path))]).toContain(anchor);
  });
});
