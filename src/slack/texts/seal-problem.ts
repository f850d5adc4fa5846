import type { SealProblem } from '../private-metadata.js';
import type { Texts } from './texts.js';

/** What to tell someone whose dialog or button data was refused: expired, for another step, or unreadable. */
export function sealProblemText(texts: Texts, problem: SealProblem): string {
  switch (problem) {
    case 'expired':
      return texts.sealExpired;
    case 'wrong_purpose':
      return texts.sealWrongPurpose;
    case 'invalid':
      return texts.unknownRequest;
  }
}
