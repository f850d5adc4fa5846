import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../src/module-worker.js';
import type { CommandLoadRequest, CommandLoadResult } from './command-load-protocol.js';

/**
 * The command path's load generator on a thread of its own. On the main thread it shared one event loop with
 * the Slack stand-in: at c = 50 the stand-in read each `views.open` only after the generator's queue of
 * answers and sends, and that wait was counted as the bot's delay. Real Slack does not wait on the
 * generator; the bot and the floor still get the same generator.
 */
export class CommandLoadThread {
  private readonly worker: Worker;
  private waiting: { resolve: (reply: CommandLoadResult) => void; reject: (error: Error) => void } | null =
    null;

  constructor() {
    this.worker = startModuleWorker(import.meta.url, 'command-load-worker');
    this.worker.on('message', (reply: CommandLoadResult) => this.settle()?.resolve(reply));
    this.worker.on('error', (error) => this.settle()?.reject(error));
    this.worker.on('exit', (code) => this.settle()?.reject(new Error(`the load thread exited (${code})`)));
  }

  /** One run at a time: the generator's connections are the run's concurrency. */
  run(request: CommandLoadRequest): Promise<CommandLoadResult> {
    if (this.waiting) return Promise.reject(new Error('a command run is already going'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(request);
    });
  }

  private settle() {
    const waiting = this.waiting;
    this.waiting = null;
    return waiting;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
