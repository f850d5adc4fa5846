import { createHash } from 'node:crypto';

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
  return createHash('md5')
    .update(text + secret, 'utf8')
    .digest('hex');
}

/** WDT's `timestamp`: whole seconds since 2012-01-01 00:00:00 Beijing time. */
export function wdtTimestamp(date: Date): number {
  return Math.floor(date.getTime() / 1000) - WDT_EPOCH_SECONDS;
}
