import { describe, expect, it } from 'vitest';
import { STOCKIN_STATUS_NAMES, statusChangeIn, statusLabelIn } from '../../src/core/purchase-stockin.js';
import { en } from '../../src/slack/texts/en.js';
import { zhCN } from '../../src/slack/texts/zh-cn.js';

describe('zh-CN reads as written in Chinese', () => {
  it('shows statuses by their WDT names, without English glosses; English keeps both', () => {
    for (const status of Object.keys(STOCKIN_STATUS_NAMES).map(Number)) {
      expect(statusLabelIn('zh-CN', status)).toMatch(/^\d+ [\u4e00-\u9fff]+$/);
      expect(statusLabelIn('en', status)).toMatch(/^\d+ [\u4e00-\u9fff]+ \([a-zA-Z ]+\)$/);
    }
    expect(statusChangeIn('zh-CN', 20, 10)).toBe('20 编辑中 → 10 已取消');
    expect(statusChangeIn('en', 20, 10)).toBe('20 编辑中 (editing) → 10 已取消 (cancelled)');
    expect(zhCN.notCancellable('30 待审核')).not.toMatch(/\([a-z ]+\)/);
  });

  it('puts no stray spaces around Chinese names', () => {
    const refusal = zhCN.denied.not_listed(zhCN.askWhomDefault);
    expect(refusal).toContain('请联系机器人管理员开通');
    expect(zhCN.helpMayNothing(zhCN.askWhomDefault)).toContain('请联系机器人管理员。');
    expect(zhCN.notFoundAllowed(30)).not.toContain('ALLOW_UNVERIFIED');
  });

  it('has every text the English catalogue has', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });
});
