/**
 * The Docker source URIs (`docker-volume:`, `docker-container:`) and the name checks the Docker sources repeat when
 * they are opened: here, beside the source-URI parser, because that parser may not import an implementation.
 */
import { CairnError } from '../core/index.js';
import type { DockerContainerSpec, DockerVolumeSpec } from './spec.js';

const TRUE = ['', '1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no'];

/**
 * The spec a Docker source URI names, or undefined when `uri` is not one:
 * - `docker-volume:NAME[?stop-containers=true]`
 * - `docker-volume:*?label=KEY[=VALUE][&label=…][&stop-containers=true]`
 * - `docker-container:NAME`
 * @throws CairnError 'invalid-argument' for a Docker URI that is malformed.
 */
export function parseDockerUri(uri: string): DockerVolumeSpec | DockerContainerSpec | undefined {
  const m = /^(docker-volume|docker-container):(?:\/\/)?([^?]*)(?:\?(.*))?$/.exec(uri);
  if (!m) return undefined;
  const [, kind, name, query] = m as unknown as [string, string, string, string | undefined];
  if (name === '')
    throw new CairnError(
      'invalid-argument',
      `${uri} names no ${kind === 'docker-volume' ? 'volume' : 'container'}.`,
    );
  const params = new URLSearchParams(query ?? '');
  if (kind === 'docker-container') {
    const key = [...params.keys()][0];
    if (key !== undefined)
      throw new CairnError('invalid-argument', `${uri}: docker-container: takes no option "${key}".`);
    const spec: DockerContainerSpec = { kind: 'docker-container', name };
    checkContainerSpec(spec);
    return spec;
  }
  const spec: DockerVolumeSpec = { kind: 'docker-volume', name };
  for (const [key, value] of params) {
    if (key === 'label') {
      if (value === '')
        throw new CairnError(
          'invalid-argument',
          `${uri}: a label filter needs a key (label=KEY or label=KEY=VALUE).`,
        );
      (spec.labels ??= []).push(value);
    } else if (key === 'stop-containers') {
      if (!TRUE.includes(value) && !FALSE.includes(value)) {
        throw new CairnError(
          'invalid-argument',
          `${uri}: stop-containers takes true or false, not "${value}".`,
        );
      }
      spec.stopContainers = TRUE.includes(value);
    } else if (key === 'read-via') {
      if (value !== 'mountpoint' && value !== 'helper') {
        throw new CairnError(
          'invalid-argument',
          `${uri}: read-via takes mountpoint or helper, not "${value}".`,
        );
      }
      spec.readVia = value;
    } else if (key === 'helper-image' && value !== '') {
      spec.helperImage = value;
    } else {
      throw new CairnError(
        'invalid-argument',
        `${uri}: docker-volume: takes no option "${key}" (label, stop-containers, read-via, helper-image).`,
      );
    }
  }
  checkVolumeSpec(spec);
  return spec;
}

/** @throws CairnError 'invalid-argument' for a volume name Docker would not accept, or labels without `*`. */
export function checkVolumeSpec(spec: DockerVolumeSpec): void {
  if (spec.name !== '*' && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.name)) {
    throw new CairnError('invalid-argument', `"${spec.name}" is not a Docker volume name.`);
  }
  if (spec.name !== '*' && (spec.labels ?? []).length > 0) {
    throw new CairnError(
      'invalid-argument',
      `Label filters select volumes only with docker-volume:*, not with docker-volume:${spec.name}.`,
    );
  }
}

/** @throws CairnError 'invalid-argument' for a name Docker would not accept as a container's. */
export function checkContainerSpec(spec: DockerContainerSpec): void {
  if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.name)) {
    throw new CairnError('invalid-argument', `"${spec.name}" is not a Docker container name.`);
  }
}
