/**
 * The bot scopes manifest.yml asks for. The image and a production install carry no manifest, so the doctor
 * compares the token's scopes with this list; test/doctor/manifest-scopes.test.ts keeps the two equal.
 */
export const MANIFEST_BOT_SCOPES: readonly string[] = [
  'commands',
  'chat:write',
  'chat:write.public',
  'usergroups:read',
  'im:write',
  'users:read',
  'channels:read',
  'groups:read',
  'channels:history',
  'groups:history',
];
