import type { App } from '@slack/bolt';
import { COMMAND } from './ids.js';
import type { makeSlashCommandHandler } from './handlers/slash-command.js';

export function registerCommands(app: App, handlers: { cancelStockin: ReturnType<typeof makeSlashCommandHandler> }): void {
  app.command(COMMAND, handlers.cancelStockin);
}
