import { STOCKIN_STATUS } from '../../core/purchase-stockin.js';

export interface SandboxDetailLine {
  goodsNo: string;
  goodsName: string;
  specNo: string;
  specName: string;
  unitName: string;
  num: number;
  /** Unit price before tax. */
  price: number;
}

/** One purchase stock-in order as the sandbox keeps it; `toVendorOrder` gives WDT's wire form. */
export interface SandboxOrder {
  stockinId: number;
  stockinNo: string;
  status: number;
  warehouseNo: string;
  purchaseId: number;
  purchaseNo: string;
  providerNo: string;
  providerName: string;
  remark: string;
  operatorName: string;
  createdAt: Date;
  modifiedAt: Date;
  details: SandboxDetailLine[];
}

/** A demo order with its times given as ages, so the seed is always recent relative to the sandbox clock. */
export interface DemoOrderSeed extends Omit<SandboxOrder, 'createdAt' | 'modifiedAt'> {
  createdHoursAgo: number;
  modifiedHoursAgo: number;
}

const line = (
  goodsNo: string,
  goodsName: string,
  specName: string,
  unitName: string,
  num: number,
  price: number,
): SandboxDetailLine => ({ goodsNo, goodsName, specNo: `${goodsNo}-01`, specName, unitName, num, price });

export const DEMO_ORDERS: readonly DemoOrderSeed[] = [
  {
    stockinId: 89_401,
    stockinNo: 'RK2006030008',
    status: STOCKIN_STATUS.editing,
    warehouseNo: 'HZ-XS01',
    purchaseId: 8_711,
    purchaseNo: 'CG2006030005',
    providerNo: 'GYS0012',
    providerName: '义乌市恒达日用品有限公司',
    remark: '到货待清点',
    operatorName: '王芳',
    createdHoursAgo: 30,
    modifiedHoursAgo: 2,
    details: [
      line('BWB500', '不锈钢保温杯', '500ml 雾白', '个', 120, 18.5),
      line('GJBG01', '硅胶杯盖', '通用款 灰色', '个', 120, 2.3),
    ],
  },
  {
    stockinId: 89_402,
    stockinNo: 'RK2006030009',
    status: STOCKIN_STATUS.editing,
    warehouseNo: 'GZ-BY02',
    purchaseId: 8_712,
    purchaseNo: 'CG2006030006',
    providerNo: 'GYS0031',
    providerName: '广州市白云区美源化妆品厂',
    remark: '',
    operatorName: '李强',
    createdHoursAgo: 26,
    modifiedHoursAgo: 5,
    details: [line('BNSMM10', '玻尿酸补水面膜', '10片/盒', '盒', 300, 21)],
  },
  {
    stockinId: 89_403,
    stockinNo: 'RK2006030010',
    status: STOCKIN_STATUS.editing,
    warehouseNo: 'HZ-XS01',
    purchaseId: 8_715,
    purchaseNo: 'CG2006020019',
    providerNo: 'GYS0007',
    providerName: '宁波北仑精工五金有限公司',
    remark: '分两批到货，第一批',
    operatorName: '王芳',
    createdHoursAgo: 50,
    modifiedHoursAgo: 24,
    details: [
      line('LS304M4', '304不锈钢螺丝', 'M4×12 沉头', '包', 50, 12.8),
      line('LM304M4', '304不锈钢螺母', 'M4', '包', 50, 6.4),
    ],
  },
  {
    stockinId: 89_388,
    stockinNo: 'RK2006020015',
    status: STOCKIN_STATUS.completed,
    warehouseNo: 'SH-JD01',
    purchaseId: 8_690,
    purchaseNo: 'CG2006010011',
    providerNo: 'GYS0024',
    providerName: '苏州工业园区锦绣纺织有限公司',
    remark: '已上架',
    operatorName: '陈静',
    createdHoursAgo: 70,
    modifiedHoursAgo: 48,
    details: [line('MJ3476', '纯棉毛巾', '34×76cm 浅灰', '条', 800, 9.9)],
  },
  {
    stockinId: 89_370,
    stockinNo: 'RK2006010021',
    status: STOCKIN_STATUS.cancelled,
    warehouseNo: 'GZ-BY02',
    purchaseId: 8_671,
    purchaseNo: 'CG2005300004',
    providerNo: 'GYS0040',
    providerName: '深圳市华强电子科技有限公司',
    remark: '供应商发错型号，已退回',
    operatorName: '李强',
    createdHoursAgo: 90,
    modifiedHoursAgo: 72,
    details: [line('TC1MB', 'Type-C 数据线', '1m 黑色', '根', 1000, 4.2)],
  },
  {
    stockinId: 89_395,
    stockinNo: 'RK2006020003',
    status: STOCKIN_STATUS.pendingReview,
    warehouseNo: 'SH-JD01',
    purchaseId: 8_702,
    purchaseNo: 'CG2006010015',
    providerNo: 'GYS0018',
    providerName: '青岛崂山矿泉水有限公司',
    remark: '',
    operatorName: '陈静',
    createdHoursAgo: 40,
    modifiedHoursAgo: 20,
    details: [line('LSKQS550', '崂山矿泉水', '550ml×24瓶', '箱', 200, 28)],
  },
];

const HOUR_MS = 3_600_000;

export function seedOrders(seeds: readonly DemoOrderSeed[], now: Date): SandboxOrder[] {
  return seeds.map(({ createdHoursAgo, modifiedHoursAgo, details, ...order }) => ({
    ...order,
    details: details.map((detail) => ({ ...detail })),
    createdAt: new Date(now.getTime() - createdHoursAgo * HOUR_MS),
    modifiedAt: new Date(now.getTime() - modifiedHoursAgo * HOUR_MS),
  }));
}

/** The order as the stock-in query returns it: vendor field names, times as epoch ms. */
export function toVendorOrder(order: SandboxOrder): Record<string, unknown> {
  const amount = order.details.reduce((sum, detail) => sum + detail.num * detail.price, 0);
  return {
    stockin_id: order.stockinId,
    order_no: order.stockinNo,
    warehouse_no: order.warehouseNo,
    status: order.status,
    modified: order.modifiedAt.getTime(),
    created_time: order.createdAt.getTime(),
    check_time: order.status >= STOCKIN_STATUS.qcConfirmed ? order.modifiedAt.getTime() : '',
    remark: order.remark,
    logistics_type_name: '未知',
    purchase_id: order.purchaseId,
    purchase_no: order.purchaseNo,
    goods_count: order.details.reduce((sum, detail) => sum + detail.num, 0),
    provider_no: order.providerNo,
    provider_name: order.providerName,
    logistics_no: '',
    logistics_name: '',
    goods_amount: amount.toFixed(8),
    total_price: round2(amount),
    tax_amount: round2(amount),
    total_stockin_price: amount.toFixed(8),
    flag_name: '无',
    operator_name: order.operatorName,
    details_list: order.details.map((detail, index) => ({
      rec_id: order.stockinId * 100 + index,
      num: detail.num,
      discount: 1,
      cost_price: detail.price,
      src_price: detail.price,
      tax_price: detail.price,
      tax_amount: round2(detail.num * detail.price),
      tax: 0,
      total_cost: round2(detail.num * detail.price),
      remark: '',
      goods_name: detail.goodsName,
      goods_no: detail.goodsNo,
      spec_no: detail.specNo,
      spec_code: '',
      spec_name: detail.specName,
      brand_name: '无',
      unit_name: detail.unitName,
      batch_no: '',
      expire_date: '',
      production_date: '',
      position_no: '采购未上架',
      defect: false,
      unit_ratio: 1,
      purchase_unit_name: detail.unitName,
      stockin_price: detail.price,
    })),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
