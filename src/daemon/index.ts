/**
 * @module daemon
 * `cairn serve`: the scheduler (croner), the job runner (backup → retention → copies, through the app), the run
 * history in SQLite, the dead-man's switch, the HTTP API with metrics and SSE (logins, sessions, CSRF, audit log) and
 * the built dashboard, and its events delivered by the notifier (`EventNotifier`).
 */
export { Daemon } from './daemon.js';
export type { DaemonOptions } from './daemon.js';
export { ApiServer } from './server.js';
export type { ApiServerOptions } from './server.js';
export { hashPassword } from './password-hash.js';
export { isOpen } from './auth.js';
export { History } from './history.js';
export type { Trigger } from './history.js';
export { createLogger } from './run-log.js';
export type { Logger } from './run-log.js';
export { Schedule } from './schedule.js';
export { jobTag } from './job-plan.js';
export { jobView } from './jobs-view.js';
export { defaultConfigText, ensureDefaultConfig } from './default-config.js';
export { EventNotifier, toNotifyEvent } from './notify-events.js';
