/**
 * @module api
 * The daemon's HTTP contract, shared by the server and the coming dashboard: zod schemas of jobs, runs, logs,
 * snapshots and the DaemonEvents the notifier consumes; `openApiDocument` generates docs/openapi.json.
 */
export * from './contract.js';
export { openApiDocument } from './openapi.js';
