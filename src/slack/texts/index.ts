import { en } from './en.js';
import type { Texts } from './texts.js';
import { zhCN } from './zh-cn.js';

export const LOCALES = { en, 'zh-CN': zhCN } as const satisfies Record<string, Texts>;
export type Locale = keyof typeof LOCALES;

export function textsFor(locale: Locale): Texts {
  return LOCALES[locale];
}

export type { Texts };
