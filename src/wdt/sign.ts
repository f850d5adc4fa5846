import * as nodeCrypto from 'node:crypto';

// `crypto.hash` (Node ≥ 20.12) hashes in one call, faster than a Hash object at this size (BENCHMARKS.md);
// older 20.x lacks it, and a namespace import lets the code ask instead of failing to load.
const md5Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('md5', text, 'hex')
    : (text) => nodeCrypto.createHash('md5').update(text, 'utf8').digest('hex');

/** 2012-01-01 00:00:00 Beijing time, the epoch of WDT's `timestamp` parameter. */
const WDT_EPOCH_SECONDS = 1_325_347_200;

export interface AppSecretParts {
  secret: string;
  salt: string;
}

/** WDT issues the appsecret as `secret:salt`; the salt itself may contain colons, so split at the first one. */
export function splitAppSecret(appSecret: string): AppSecretParts {
  const colon = appSecret.indexOf(':');
  if (colon <= 0 || colon === appSecret.length - 1) {
    // The value is a secret: the message must never repeat it.
    throw new Error('the WDT appsecret must have the form secret:salt');
  }
  return { secret: appSecret.slice(0, colon), salt: appSecret.slice(colon + 1) };
}

/**
 * The qjb sign: lowercase hex md5 of secret + every (key + value) in key order + secret, where the keys are
 * the query parameters except `sign` plus `body`, whose value is the exact JSON text that is posted.
 */
export function signRequest(secret: string, params: Readonly<Record<string, string>>, body: string): string {
  const keys = Object.keys(params).filter((key) => key !== 'sign' && key !== 'body');
  keys.push('body');
  keys.sort();
  // One string, one hash update: several updates per request cost more than the md5 itself.
  let text = secret;
  for (const key of keys) text += key + (key === 'body' ? body : params[key]);
  return md5Hex(text + secret);
}

/** WDT's `timestamp`: whole seconds since 2012-01-01 00:00:00 Beijing time. */
export function wdtTimestamp(date: Date): number {
  return Math.floor(date.getTime() / 1000) - WDT_EPOCH_SECONDS;
}
