import { AuditUnavailableError } from '../errors.js';

/**
 * Runs a durable write (or a read that guards one) and turns any store failure into `AuditUnavailableError`:
 * when the store cannot record, the cancel is refused rather than run without a trail.
 */
export async function recordOrRefuse<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new AuditUnavailableError(error);
  }
}
