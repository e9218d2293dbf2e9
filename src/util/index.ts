/**
 * @module util
 * Generic helpers with no domain knowledge: the clock, bounded concurrency (fail-fast loops, semaphore, budget),
 * worker threads, memory release and seeded random sampling.
 */
export { systemClock, fixedClock, systemRepeater } from './clock.js';
export type { Clock, Repeater } from './clock.js';
export { forEachLimit, forEachQueued, mapLimit, Budget, Semaphore } from './concurrency.js';
export { WorkerPool, WorkerCrashError, serveWorkerJobs } from './worker-pool.js';
export { releaseNow, Scratch } from './memory.js';
export { seededRandom, Reservoir } from './sample.js';
export { maskCredentials } from './redact.js';
