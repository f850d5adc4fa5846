/**
 * What the audit channel reads when a message the bot owed could not be delivered and was given up. Arguments
 * are already safe mrkdwn: `where` a channel mention, `reason` Slack's error code, `what` a short description.
 */
export interface OutboxTexts {
  givenUp: (what: string, where: string, reason: string) => string;
  /** `what`, for a batch's message. */
  batchMessage: (orders: number) => string;
  /** `what`, for a pause or resume notice. */
  controlNotice: string;
  /** `what`, for a Workflow Builder step's completion. */
  stepCompletion: string;
}

export const outboxEn: OutboxTexts = {
  givenUp: (what, where, reason) =>
    `:warning: A message for ${where} could not be delivered and was given up (\`${reason}\`): ${what}\nIts audit record is kept; \`npm run audit -- outbox --given-up\` lists every message given up.`,
  batchMessage: (orders) => `the message of a batch of ${orders} orders`,
  controlNotice: 'a pause or resume notice',
  stepCompletion: 'the completion of a Workflow Builder step',
};

export const outboxZhCN: OutboxTexts = {
  givenUp: (what, where, reason) =>
    `:warning: 一条发往 ${where} 的消息无法送达，已放弃发送（\`${reason}\`）：${what}\n审计记录已保留；\`npm run audit -- outbox --given-up\` 列出所有放弃发送的消息。`,
  batchMessage: (orders) => `一批 ${orders} 张单据的消息`,
  controlNotice: '一条暂停或恢复的通知',
  stepCompletion: 'Workflow Builder 步骤的完成',
};
