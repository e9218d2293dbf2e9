/**
 * @module config
 * `cairn.yaml`: the zod schema (also the source of docs/cairn.schema.json), loading with every problem named by
 * file, line and key, `${ENV}` references, and repository passwords. The `notifications:` section and the jobs'
 * routes are validated with notify's schemas (`notificationsSchema`, `jobRouteSchema`).
 */
export { configSchema, PASSWORD_HASH_PATTERN } from './schema.js';
export type { CairnConfig, JobConfig, RepositoryConfig, ScheduleConfig, RetentionConfig } from './schema.js';
export { loadConfig, parseConfig, ConfigError } from './load.js';
export type { LoadedConfig, ConfigProblem } from './load.js';
export type { ArchiveConfig, WindowConfig } from './job-options.js';
export { localSources } from './job-options.js';
export { durationMs } from './duration.js';
export { repositoryPassword } from './secrets.js';
export { configJsonSchema } from './json-schema.js';
export { isLoopbackHost } from './cross-check.js';
