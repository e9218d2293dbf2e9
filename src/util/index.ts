/**
 * @module util
 * Generic helpers with no domain knowledge.
 */
export { systemClock, fixedClock, systemRepeater } from './clock.js';
export type { Clock, Repeater } from './clock.js';
export { WorkerPool, serveWorkerJobs } from './worker-pool.js';
export { releaseNow } from './memory.js';
