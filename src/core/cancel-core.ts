import { createApprovalService } from './approval-service.js';
import { type CancelExecutionDeps, createCancelExecution } from './cancel-execution.js';
import { type CancelServiceDeps, createCancelService } from './cancel-service.js';

/**
 * The cancel use case assembled from its ports: the execution that makes the fenced calls, the service that
 * takes requests and confirmations, and the four-eyes approvals, sharing one execution. The bot, the
 * simulation's replicas and the core tests all build it here, so they run the same wiring.
 */
export function createCancelCore(deps: CancelExecutionDeps & Omit<CancelServiceDeps, 'execution'>) {
  const execution = createCancelExecution(deps);
  const cancel = createCancelService({ ...deps, execution });
  const approvals = createApprovalService({
    ...deps,
    execution,
    approvalTtlMs: deps.settings.approvalTtlMs,
  });
  return { execution, cancel, approvals };
}
