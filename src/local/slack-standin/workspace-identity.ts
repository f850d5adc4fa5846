/**
 * The one workspace the stand-ins pretend to be. The Web API stand-in answers `auth.test` with it and the
 * payload builders default to it, so a request built for Bolt and the API calls Bolt makes agree on ids.
 */
export const STANDIN_WORKSPACE = {
  teamId: 'T0STANDIN',
  teamDomain: 'standin',
  teamName: 'Stand-in Workspace',
  appId: 'A0STANDIN',
  botId: 'B0STANDIN',
  botUserId: 'U0STANDINBOT',
  botUserName: 'cancel-stockin',
} as const;
