import { afterEach } from 'vitest';
import {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from '../../src/local/demo/local-stack.js';

/** A fresh local stack per test, stopped after it: call once at the top of a test file. */
export function localStackPerTest(): (options?: LocalStackOptions) => Promise<LocalStack> {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  return async (options = {}) => {
    await stack?.stop();
    stack = await startLocalStack(options);
    return stack;
  };
}
