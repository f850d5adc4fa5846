/**
 * For a test file that needs something this machine may lack (PostgreSQL, root): null when it is there;
 * otherwise the reason, printed, so that the file skips. CI has everything: there a missing need fails.
 */
export function skipOutsideCi(reason: string | null, test: string): string | null {
  if (reason && process.env.CI) throw new Error(`CI needs what the ${test} test needs: ${reason}`);
  if (reason) console.warn(`Skipping the ${test} test: ${reason}`);
  return reason;
}
