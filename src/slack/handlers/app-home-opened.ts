import type { SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { HomePublisher } from '../home-publisher.js';

type HomeArgs = Pick<SlackEventMiddlewareArgs<'app_home_opened'>, 'event'> & { client: WebClient };

/** `app_home_opened` on the Home tab: publish this person's view (the Messages tab needs nothing). */
export function makeAppHomeOpenedHandler(deps: { publishHome: HomePublisher }) {
  return async ({ event, client }: HomeArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await deps.publishHome(client, event.user);
  };
}
