/**
 * @module util
 * Generic helpers with no domain knowledge.
 */
export { systemClock, fixedClock } from './clock.js';
export type { Clock } from './clock.js';
export { WorkerPool, WorkerCrashError, serveWorkerJobs } from './worker-pool.js';
export { releaseNow } from './memory.js';
