import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** `npm run demo` is one of the README's two commands: it must keep working as the flow changes. */
describe('npm run demo', () => {
  it('walks the whole flow on embedded defaults and ends with an intact audit chain', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/local/demo/run-demo.ts'], {
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(stdout).toContain('offers no Confirm');
    expect(stdout).toContain("The outcome is posted in the alert's thread");
    expect(stdout).toContain('WDT sandbox received 2 cancel call(s).');
    expect(stdout).toContain('audit chain intact');
  }, 120_000);
});
