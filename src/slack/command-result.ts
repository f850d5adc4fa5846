/**
 * What became of one slash command: `admitted` got its confirmation dialog, `shed` was turned away by
 * back-pressure or shutdown, `denied` by the policy, `bad_input` got the usage reply, `help` the help reply,
 * `operator` went to the operators' commands (pause, resume, status, unlock; they record their own
 * refusals), and `failed` could not be recorded or shown (audit store or Slack down). Each command counts once.
 */
export const COMMAND_RESULTS = [
  'admitted',
  'shed',
  'denied',
  'bad_input',
  'help',
  'operator',
  'failed',
] as const;
export type CommandResult = (typeof COMMAND_RESULTS)[number];
