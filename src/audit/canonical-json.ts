/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit, like Array.prototype.sort) at every depth, no
 * whitespace, arrays kept in order, `undefined` object members dropped. The audit hash is computed over this
 * text and the same text is stored, so parsing a stored record and canonicalising it again yields exactly
 * the bytes that were hashed, on every backend.
 *
 * Values JSON cannot carry faithfully (non-finite numbers, bigint, functions, symbols, class instances other
 * than Date) are refused rather than silently changed, because a silent change would break the round trip.
 */
export function canonicalJson(value: unknown): string {
  const path: (string | number)[] = [];
  const text = encode(value, path);
  if (text === undefined) {
    throw new TypeError('canonicalJson: the top-level value is undefined');
  }
  return text;
}

// The path is a stack rather than a string so the common, valid case builds no strings it does not need.
function encode(value: unknown, path: (string | number)[]): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return encodeArray(value, path);
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (!isPlainObject(value)) refuse(path, `is a ${value.constructor?.name ?? 'non-plain object'}`);
      return encodeObject(value, path);
    default:
      return refuse(path, `is a ${typeof value}, which JSON cannot represent`);
  }
}

function encodeArray(value: unknown[], path: (string | number)[]): string {
  const items: string[] = [];
  for (let i = 0; i < value.length; i += 1) {
    path.push(i);
    // Like JSON.stringify, an undefined array slot becomes null so positions are preserved.
    items.push(encode(value[i], path) ?? 'null');
    path.pop();
  }
  return `[${items.join(',')}]`;
}

function encodeObject(value: Record<string, unknown>, path: (string | number)[]): string {
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    path.push(key);
    const encoded = encode(value[key], path);
    path.pop();
    if (encoded !== undefined) members.push(`${JSON.stringify(key)}:${encoded}`);
  }
  return `{${members.join(',')}}`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuse(path: (string | number)[], problem: string): never {
  const where = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
  throw new TypeError(`canonicalJson: $${where} ${problem}`);
}
