/** What a test needs to talk to the app as Slack does; the builders live in src/standin so the demo shares them. */
export { type BoltHttpResponse, type PostToBoltOptions, postToBolt } from '../../src/standin/post-to-bolt.js';
export {
  type BlockActionsOverrides,
  buildBlockActionsPayload,
  buildButtonAction,
  buildSlashCommand,
  buildSlashCommandBody,
  buildViewSubmissionPayload,
  DEFAULT_ACTOR,
  DEFAULT_CHANNEL,
  encodeInteractivePayload,
  type SlashCommandOverrides,
  type ViewSubmissionOverrides,
} from '../../src/standin/slack-payloads.js';
export { type SlackSignatureHeaders, signSlackRequest } from '../../src/standin/slack-request-signer.js';
