/**
 * @module source/db
 * Database servers: MariaDB/MySQL (`mariadb-dump`) and PostgreSQL (`pg_dump -Fc`) dumps streamed as sources, and
 * their clients (`mariadb`, `pg_restore`) as restore targets. Passwords reach the tools only through their
 * environment. Only registry.ts and tests import this folder.
 */
export { DumpSource } from './dump-source.js';
export { mysqlDriver, mysqlInvocation, mysqlTarget } from './mysql.js';
export { postgresDriver, postgresEnv, postgresTarget } from './postgres.js';
