import type { WdtEnvironment } from '../../core/ports/wdt.js';
import { truncate } from '../block-kit-limits.js';
import type { Texts } from '../texts/index.js';

export function environmentLabel(texts: Texts, environment: WdtEnvironment): string {
  return `${texts.environmentKinds[environment.kind]} (${environment.host})`;
}

export function plain(text: string, max: number) {
  return { type: 'plain_text' as const, text: truncate(text, max), emoji: true };
}
