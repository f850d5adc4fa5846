/** What operators read about `unlock` (issue 18). Order numbers are checked (RK + digits); mentions are ids. */
export interface UnlockTexts {
  notLocked: (orderNo: string) => string;
  inProgress: (orderNo: string, requester: string) => string;
  cannotTell: (orderNo: string) => string;
  reasonRequired: (orderNo: string) => string;
  alreadyReleased: (orderNo: string) => string;
  /** The lock stays until `at` (formatted): WDT may still accept what the call signed. */
  heldUntil: (orderNo: string, at: string) => string;
  released: (orderNo: string, outcome: string, channel: string) => string;
  failed: (orderNo: string) => string;
  /** A line in the follow-up: who released the lock, and why (already escaped). */
  releasedBy: (admin: string, reason: string | null) => string;
  /** pause, resume and status, in a build without them. */
}

export const unlockEn: UnlockTexts = {
  notLocked: (orderNo) => `${orderNo} is not locked: no cancel of it is in flight. Nothing was changed.`,
  inProgress: (orderNo, requester) =>
    `A call is in progress for ${orderNo} (asked by ${requester}); wait for it. Nothing was changed.`,
  cannotTell: (orderNo) =>
    `Cannot tell right now whether the call on ${orderNo} is still running (this bot process is not sure which processes are live). Nothing was changed; try again in a few seconds.`,
  reasonRequired: (orderNo) =>
    `WDT could not confirm what became of the call on ${orderNo}. To release it anyway, say why: \`/cancel-stockin unlock ${orderNo} <reason>\`. Nothing was changed.`,
  alreadyReleased: (orderNo) =>
    `${orderNo} was released by another process just now. Nothing else was changed.`,
  heldUntil: (orderNo, at) =>
    `${orderNo} stays locked until ${at}: a cancel the bot signed could still reach WDT until then. Nothing more is signed for that call; the bot asks WDT then, posts the verdict in the channel and releases the lock with it.`,
  released: (orderNo, outcome, channel) =>
    `Released ${orderNo}: ${outcome}. The follow-up is posted in ${channel} and recorded in the audit trail.`,
  failed: (orderNo) =>
    `Could not release ${orderNo} (the audit store or WDT did not answer). Nothing was recorded as changed; try again.`,
  releasedBy: (admin, reason) => `*Released by* ${admin}${reason ? `: ${reason}` : ''}`,
};

export const unlockZhCN: UnlockTexts = {
  notLocked: (orderNo) => `${orderNo} 没有被锁定：没有正在进行的取消。未做任何更改。`,
  inProgress: (orderNo, requester) =>
    `${orderNo} 的调用正在进行中（由 ${requester} 发起），请等待其完成。未做任何更改。`,
  cannotTell: (orderNo) =>
    `暂时无法确认 ${orderNo} 的调用是否仍在进行（本进程不确定哪些进程存活）。未做任何更改，请几秒后重试。`,
  reasonRequired: (orderNo) =>
    `旺店通无法确认 ${orderNo} 之前的调用结果。如仍要解锁，请写明原因：\`/cancel-stockin unlock ${orderNo} <原因>\`。未做任何更改。`,
  alreadyReleased: (orderNo) => `${orderNo} 刚刚已由其他进程解锁。未做其他更改。`,
  heldUntil: (orderNo, at) =>
    `${orderNo} 将保持锁定至 ${at}：机器人已签名的取消请求在此之前仍可能被旺店通受理。该调用不会再签名新的请求；届时机器人会向旺店通核实，在频道公布结论并解锁。`,
  released: (orderNo, outcome, channel) =>
    `已解锁 ${orderNo}：${outcome}。后续消息已发到 ${channel}，并记入审计记录。`,
  failed: (orderNo) => `无法解锁 ${orderNo}（审计存储或旺店通未响应）。未记录任何更改，请重试。`,
  releasedBy: (admin, reason) => `*解锁人* ${admin}${reason ? `：${reason}` : ''}`,
};
