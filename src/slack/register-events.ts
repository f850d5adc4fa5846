import type { App } from '@slack/bolt';
import type { makeAppHomeOpenedHandler } from './handlers/app-home-opened.js';
import { HomeEvent } from './ids.js';

export function registerEvents(
  app: App,
  handlers: { homeOpened: ReturnType<typeof makeAppHomeOpenedHandler> },
): void {
  app.event(HomeEvent, handlers.homeOpened);
}
