/**
 * @module util
 * Generic helpers with no domain knowledge.
 */
export { systemClock, fixedClock } from './clock.js';
export type { Clock } from './clock.js';
export { WorkerPool, serveWorkerJobs } from './worker-pool.js';
export { releaseNow, Scratch } from './memory.js';
