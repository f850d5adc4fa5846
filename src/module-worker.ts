import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside `parentUrl` (the caller's `import.meta.url`): the built
 * `.js` under plain node, or the `.ts` source under tsx (dev, tests, the bench), with tsx's loader
 * registered inside the thread first, since a new thread does not inherit it.
 */
export function startModuleWorker(parentUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const underTsx = parentUrl.endsWith('.ts');
  const url = new URL(`./${name}${underTsx ? '.ts' : '.js'}`, parentUrl);
  if (!underTsx) return new Worker(url, options);
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`,
    { ...options, eval: true },
  );
}
