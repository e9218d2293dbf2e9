/**
 * The options of each source implementation, and `SourceSpec`, their union: what the app asks the registry to open.
 * They live here, above the implementations, so that the app can name them without importing any implementation.
 */

/** restic's exclude flags, one field per flag. */
export interface ExcludeOptions {
  /** `--exclude`: glob patterns matched against the absolute path. */
  exclude?: string[];
  /** `--iexclude`: the same, case-insensitive. */
  iexclude?: string[];
  /** `--exclude-file`: files with one pattern per line (`#` comments, blank lines ignored). */
  excludeFiles?: string[];
  /** `--iexclude-file`. */
  iexcludeFiles?: string[];
  /** `--exclude-if-present FILE[:HEADER]`: skip the contents (all but FILE) of folders holding FILE. */
  excludeIfPresent?: string[];
  /** `--exclude-caches`: the same for CACHEDIR.TAG with its signature. */
  excludeCaches?: boolean;
  /** `--exclude-larger-than`: skip files larger than this many bytes. */
  excludeLargerThan?: number;
  /** `--one-file-system`: do not descend into other file systems (mount points stay as empty folders). */
  oneFileSystem?: boolean;
}

/** Files and folders of the local file system (`source/files`). */
export interface FilesSpec {
  kind: 'files';
  /** Relative paths keep only their relative part in the tree, as restic does. */
  paths: string[];
  /** Working directory that relative paths are resolved against (default process.cwd()). */
  cwd?: string;
  excludes?: ExcludeOptions;
}

/** `backup --stdin`: one file node named `filename` holding what `stream` yields (`source/stream`). */
export interface StdinSpec {
  kind: 'stdin';
  filename: string;
  stream: AsyncIterable<Uint8Array | string>;
}

/** `backup --stdin-from-command`: one file node holding a program's standard output (`source/stream`). */
export interface CommandSpec {
  kind: 'command';
  filename: string;
  /** The program, run without a shell. */
  command: string;
  args: string[];
}

/**
 * `docker-volume:NAME` (or `docker-volume:*` with label filters): the volumes' files under `/docker-volumes/NAME/`
 * (`source/docker`), read through the volume's mountpoint on the Docker host.
 */
export interface DockerVolumeSpec {
  kind: 'docker-volume';
  /** A volume name, or `*` for every volume that carries all of `labels`. */
  name: string;
  /** `key` or `key=value` label filters (only with `*`). */
  labels?: string[];
  /** Stop every running container that uses a volume while it is read (and start it again afterwards); otherwise
   * only those labelled `cairn.stop-during-backup=true` are stopped. */
  stopContainers?: boolean;
  /** The Docker daemon (`unix:///…` or `tcp://host:port`); default `DOCKER_HOST`, else /var/run/docker.sock. */
  dockerHost?: string;
  /**
   * How the data is read: 'mountpoint' (the volume's folder on this machine, the default), or 'helper' (through the
   * Engine API from a helper container, for a daemon whose volume folders are not readable here). Without it, the
   * helper is used when the mountpoint is not readable and `helperImage` is given.
   */
  readVia?: 'mountpoint' | 'helper';
  /** The image of the helper container (any image; nothing runs in it); default `busybox:latest`. */
  helperImage?: string;
}

/** `docker-container:NAME`: the container's state as an image archive (commit + save), `/docker-containers/NAME.tar`. */
export interface DockerContainerSpec {
  kind: 'docker-container';
  name: string;
  dockerHost?: string;
}


export type SourceSpec = FilesSpec | StdinSpec | CommandSpec | MysqlSpec | PostgresSpec | SqliteSpec | DockerVolumeSpec | DockerContainerSpec | CompositeSpec;

/**
 * How to reach a database server (from a `mysql://` or `postgres://` URI). The password never leaves this object
 * except into a child's environment: `display` is the URI without it, for messages and snapshot metadata.
 */
export interface DbConnection {
  user?: string;
  password?: string;
  /** A file whose first line is the password (`?password-file=`). */
  passwordFile?: string;
  host?: string;
  port?: number;
  /** Query options that tune the connection (TLS, socket), already checked against the tool's known ones. */
  options: Record<string, string>;
  /** The URI without its password. */
  display: string;
}

/** `mysql://user@host:port/db`: a MariaDB/MySQL dump (`source/db`); no database = every database. */
export interface MysqlSpec {
  kind: 'mysql';
  connection: DbConnection;
  database?: string;
}

/** `postgres://user@host:port/db`: a pg_dump custom-format dump (`source/db`); no database = every database. */
export interface PostgresSpec {
  kind: 'postgres';
  connection: DbConnection;
  database?: string;
  /** Also `pg_dumpall --globals-only` (roles, tablespaces) as /postgres/globals.sql (`?globals=1`). */
  globals?: boolean;
}

/** `sqlite:///abs/path/app.db`: an online-consistent copy of an SQLite database (`source/sqlite`). */
export interface SqliteSpec {
  kind: 'sqlite';
  /** Absolute path of the database file. */
  path: string;
}

/**
 * Several sources in one snapshot (`source/composite`): each part's tree goes under its kind's folder (`/mysql`,
 * `/postgres`, `/sqlite`, `/command`), files keep their own paths, and `/.cairn/sources.json` describes the parts.
 */
export interface CompositeSpec {
  kind: 'composite';
  parts: SourceSpec[];
}
