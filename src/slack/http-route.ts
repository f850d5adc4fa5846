import type { IncomingMessage, ServerResponse } from 'node:http';

/** A plain HTTP route beside Slack's (health, metrics), in the shape Bolt's `customRoutes` takes. */
export interface HttpRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}
