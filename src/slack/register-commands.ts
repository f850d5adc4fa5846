import type { App } from '@slack/bolt';
import type { makeSlashCommandHandler } from './handlers/slash-command.js';
import { COMMAND } from './ids.js';

export function registerCommands(
  app: App,
  handlers: { cancelStockin: ReturnType<typeof makeSlashCommandHandler> },
): void {
  app.command(COMMAND, handlers.cancelStockin);
}
