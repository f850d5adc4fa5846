/**
 * One line of the self-check. `fail` is something a cancel needs and does not have; `warn` works but deserves
 * a look; `info` says what the bot will talk to; `skip` was not checked because an earlier check failed.
 */
type Verdict = 'pass' | 'fail' | 'warn' | 'info' | 'skip';

export interface CheckResult {
  verdict: Verdict;
  name: string;
  /** What was found and, for a failure, what to do about it. Never a secret. */
  detail: string;
}

export const check = (verdict: Verdict, name: string, detail: string): CheckResult => ({
  verdict,
  name,
  detail,
});

/** The same verdict for the checks that could not run because `cause` failed. */
export const skipped = (names: readonly string[], cause: string): CheckResult[] =>
  names.map((name) => check('skip', name, `not checked: ${cause}`));

const NAME_WIDTH = 20;

export function formatCheck(result: CheckResult): string {
  return `${result.verdict.toUpperCase().padEnd(5)} ${result.name.padEnd(NAME_WIDTH)} ${result.detail}`;
}

/** 0 only when nothing a cancel needs failed. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 {
  return results.some((result) => result.verdict === 'fail') ? 1 : 0;
}

export function summaryOf(results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.verdict === 'fail').length;
  const warned = results.filter((result) => result.verdict === 'warn').length;
  const warnings = warned === 0 ? '' : ` (${warned} warning${warned === 1 ? '' : 's'} to read)`;
  return failed === 0
    ? `Ready: every check a cancel needs passed${warnings}.`
    : `Not ready: ${failed} check${failed === 1 ? '' : 's'} failed; fix ${failed === 1 ? 'it' : 'them'} and run the doctor again.`;
}
