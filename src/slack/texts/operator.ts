/**
 * What operators (CANCEL_ADMINS) and people refused by a pause read. Arguments are already safe mrkdwn:
 * `who` a mention, `at` a formatted time, `reason` escaped user text.
 */
export interface OperatorTexts {
  /** A cancel refused while paused: no dialog, nothing sent, the attempt recorded. */
  cancelsPaused: (who: string, since: string, reason: string) => string;
  /** A cancel refused because this replica cannot read the pause state. */
  pauseUnknown: string;
  /** A batch line for an order not sent because cancels were paused on the way. */
  notSentPaused: string;
  /** To an approver whose click changed nothing: the request stays pending. */
  approvalPaused: (who: string, since: string, reason: string) => string;
  pausedAnnouncement: (who: string, at: string, reason: string) => string;
  alreadyPaused: (who: string, since: string, reason: string) => string;
  resumedAnnouncement: (who: string, at: string, pausedSince: string | null) => string;
  notPaused: string;
  statusTitle: string;
  statusRunning: string;
  statusPaused: (who: string, since: string, reason: string) => string;
  statusUnknown: string;
  statusCalling: (count: number) => string;
  /** One call in flight: its order (locked until the outcome is recorded), who asked, since when. */
  statusCallingLine: (orderNo: string, who: string, since: string) => string;
  statusLocked: (orders: string) => string;
  statusPendingApprovals: (count: number) => string;
  helpAdmin: (command: string) => string;
  homeAdminTitle: string;
}

export const operatorEn: OperatorTexts = {
  cancelsPaused: (who, since, reason) =>
    `:double_vertical_bar: Cancels are paused by ${who} since ${since}: ${reason}\nNothing was sent to WDT; your attempt was recorded. Try again once an operator resumes them.`,
  pauseUnknown:
    ':warning: Cancels are refused right now: the bot cannot read whether an operator paused them (the audit store does not answer). Nothing was sent; please try again in a minute.',
  notSentPaused: 'not sent: cancels were paused before this order’s turn',
  approvalPaused: (who, since, reason) =>
    `:double_vertical_bar: Cancels are paused by ${who} since ${since}: ${reason}\nYour approval was not taken and nothing was sent; the request stays pending until it expires. Approve it again once cancels resume.`,
  pausedAnnouncement: (who, at, reason) =>
    `:double_vertical_bar: ${who} *paused every cancel* at ${at}: ${reason}\nNothing is sent to WDT until an operator types \`/cancel-stockin resume\`. Calls already under way finish.`,
  alreadyPaused: (who, since, reason) =>
    `Cancels are already paused by ${who} since ${since}: ${reason}\nNothing was recorded.`,
  resumedAnnouncement: (who, at, pausedSince) =>
    `:arrow_forward: ${who} *resumed cancels* at ${at}${pausedSince ? ` (paused since ${pausedSince})` : ''}.`,
  notPaused: 'Cancels are not paused; nothing was recorded.',
  statusTitle: 'Cancel stock-in: status',
  statusRunning: ':arrow_forward: Cancels are *running* (not paused).',
  statusPaused: (who, since, reason) =>
    `:double_vertical_bar: Cancels are *paused* by ${who} since ${since}: ${reason}`,
  statusUnknown:
    ':warning: The pause state *cannot be read* (the audit store does not answer): cancels are refused until it can.',
  statusCalling: (count) => `*Calls in flight:* ${count}`,
  statusCallingLine: (orderNo, who, since) => `• *${orderNo}* by ${who}, since ${since}`,
  statusLocked: (orders) => `*Orders locked:* ${orders}`,
  statusPendingApprovals: (count) => `*Pending approvals:* ${count}`,
  helpAdmin: (command) =>
    `:shield: You are an *operator*:\n\`${command} pause <reason>\` stops every cancel on every replica · \`${command} resume\` starts them again · \`${command} status\` shows the pause, calls in flight, locked orders and pending approvals · \`${command} unlock RK… [reason]\` releases an order whose call no running bot holds (WDT is asked first). Pause and resume are posted to the audit channel.`,
  homeAdminTitle: 'Operator commands',
};

export const operatorZhCN: OperatorTexts = {
  cancelsPaused: (who, since, reason) =>
    `:double_vertical_bar: 取消操作已被 ${who} 暂停（自 ${since}）：${reason}\n未向 WDT 发送任何请求；此次操作已记录。管理员恢复后请重试。`,
  pauseUnknown:
    ':warning: 暂时拒绝取消：机器人无法读取管理员是否已暂停取消（审计存储无响应）。未发送任何请求，请一分钟后重试。',
  notSentPaused: '未发送：轮到此单前取消已被暂停',
  approvalPaused: (who, since, reason) =>
    `:double_vertical_bar: 取消操作已被 ${who} 暂停（自 ${since}）：${reason}\n你的批准未被采纳，也未发送任何请求；该申请保持待批准，直至过期。恢复后请重新批准。`,
  pausedAnnouncement: (who, at, reason) =>
    `:double_vertical_bar: ${who} 于 ${at} *暂停了所有取消*：${reason}\n在管理员输入 \`/cancel-stockin resume\` 之前不会向 WDT 发送任何取消。正在进行的调用会完成。`,
  alreadyPaused: (who, since, reason) => `取消已被 ${who} 暂停（自 ${since}）：${reason}\n未记录任何内容。`,
  resumedAnnouncement: (who, at, pausedSince) =>
    `:arrow_forward: ${who} 于 ${at} *恢复了取消*${pausedSince ? `（自 ${pausedSince} 起暂停）` : ''}。`,
  notPaused: '取消未被暂停；未记录任何内容。',
  statusTitle: '取消入库单：状态',
  statusRunning: ':arrow_forward: 取消*正常运行*（未暂停）。',
  statusPaused: (who, since, reason) =>
    `:double_vertical_bar: 取消已被 ${who} *暂停*（自 ${since}）：${reason}`,
  statusUnknown: ':warning: *无法读取*暂停状态（审计存储无响应）：在能读取之前拒绝所有取消。',
  statusCalling: (count) => `*进行中的调用：* ${count}`,
  statusCallingLine: (orderNo, who, since) => `• *${orderNo}*，申请人 ${who}，自 ${since}`,
  statusLocked: (orders) => `*已锁定的单号：* ${orders}`,
  statusPendingApprovals: (count) => `*待批准的申请：* ${count}`,
  helpAdmin: (command) =>
    `:shield: 你是*管理员*：\n\`${command} pause <原因>\` 在所有实例上停止取消 · \`${command} resume\` 恢复 · \`${command} status\` 查看暂停状态、进行中的调用、锁定的单号和待批准的申请 · \`${command} unlock RK… [原因]\` 释放没有运行中实例持有的单号锁（先向旺店通查询）。暂停和恢复会发布到审计频道。`,
  homeAdminTitle: '管理员命令',
};
