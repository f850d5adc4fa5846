import { z } from 'zod';

/**
 * What Slack accepts as the `view` argument of views.open / views.update / views.publish, checked as Slack
 * checks it, so a modal that Slack would refuse (a 25-character title, input blocks without a submit button)
 * is refused here too instead of passing every test and failing in the workspace.
 */
const plainText = z.object({
  type: z.literal('plain_text'),
  text: z.string(),
  emoji: z.boolean().optional(),
});

const block = z.looseObject({ type: z.string(), block_id: z.string().max(255).optional() });

const viewInputSchema = z.looseObject({
  type: z.enum(['modal', 'home']),
  title: plainText.optional(),
  close: plainText.optional(),
  submit: plainText.optional(),
  blocks: z.array(block).max(100),
  private_metadata: z.string().max(3000).optional(),
  callback_id: z.string().max(255).optional(),
  external_id: z.string().max(255).optional(),
  clear_on_close: z.boolean().optional(),
  notify_on_close: z.boolean().optional(),
  submit_disabled: z.boolean().optional(),
});

export type ViewInput = z.infer<typeof viewInputSchema>;

export type ViewInputResult = { ok: true; view: ViewInput } | { ok: false; messages: string[] };

const MODAL_LABEL_MAX = 24;

/** Slack's `response_metadata.messages` style: `[ERROR] <what> [json-pointer:/view/<where>]`. */
function slackMessage(what: string, pointer: string): string {
  return `[ERROR] ${what} [json-pointer:/view${pointer}]`;
}

function decodeView(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function parseViewInput(raw: unknown): ViewInputResult {
  const decoded = decodeView(raw);
  if (decoded === undefined) return { ok: false, messages: [slackMessage('missing or invalid view', '')] };
  const parsed = viewInputSchema.safeParse(decoded);
  if (!parsed.success) {
    return {
      ok: false,
      messages: parsed.error.issues.map((issue) =>
        slackMessage(issue.message, issue.path.length > 0 ? `/${issue.path.join('/')}` : ''),
      ),
    };
  }
  const view = parsed.data;
  const messages: string[] = [];
  if (view.type === 'modal') {
    if (view.title === undefined) messages.push(slackMessage('missing required field: title', ''));
    for (const field of ['title', 'submit', 'close'] as const) {
      const label = view[field];
      if (label !== undefined && label.text.length > MODAL_LABEL_MAX) {
        messages.push(slackMessage(`must be less than ${MODAL_LABEL_MAX + 1} characters`, `/${field}/text`));
      }
    }
    if (view.submit === undefined && view.blocks.some((b) => b.type === 'input')) {
      messages.push(slackMessage('must provide a submit property when using input blocks', ''));
    }
  }
  const seen = new Set<string>();
  view.blocks.forEach((b, index) => {
    if (b.block_id === undefined) return;
    if (seen.has(b.block_id)) messages.push(slackMessage('duplicate block_id', `/blocks/${index}/block_id`));
    seen.add(b.block_id);
  });
  return messages.length > 0 ? { ok: false, messages } : { ok: true, view };
}
