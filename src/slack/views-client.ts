import type { ModalView } from '@slack/types';
import type { SlackApiPoster } from './api-poster.js';

export interface SlackViews {
  open(triggerId: string, view: ModalView): Promise<{ id: string; hash: string }>;
  update(args: { viewId: string; hash?: string; view: ModalView }): Promise<{ id: string; hash: string }>;
}

/**
 * `views.open` and `views.update`, the two calls every command makes inside the trigger id's 3 seconds. No
 * retries: a trigger id does not outlive one.
 */
export function createSlackViewsClient(poster: SlackApiPoster): SlackViews {
  async function call(method: string, body: object): Promise<{ id: string; hash: string }> {
    const answer = await poster.post(method, body);
    const view = answer.view as { id?: string; hash?: string } | undefined;
    return { id: view?.id ?? '', hash: view?.hash ?? '' };
  }

  return {
    open: (triggerId, view) => call('views.open', { trigger_id: triggerId, view }),
    update: ({ viewId, hash, view }) =>
      call('views.update', { view_id: viewId, ...(hash ? { hash } : {}), view }),
  };
}
