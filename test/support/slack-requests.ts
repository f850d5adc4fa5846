/** What a test needs to talk to the app as Slack does; the builders live in src/local/slack-standin so the demo shares them. */

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
} from '../../src/local/slack-standin/payloads.js';
export {
  type BoltHttpResponse,
  type PostToBoltOptions,
  postToBolt,
} from '../../src/local/slack-standin/post-to-bolt.js';
export {
  type SlackSignatureHeaders,
  signSlackRequest,
} from '../../src/local/slack-standin/request-signer.js';
