/**
 * @module source/docker
 * Docker as a source and a restore target, through the Engine API on the local socket or `DOCKER_HOST` (a small
 * node:http client): volumes as `/docker-volumes/NAME/…` read through their mountpoints or a helper container's
 * archive (containers that use them optionally stopped meanwhile and always started again), a container's state as
 * an image archive, and the restore into a volume, through its mountpoint or of a tar stream through a helper
 * container. Only registry.ts and tests import this folder.
 */
export { DockerClient, DockerApiError, dockerEndpoint, DEFAULT_DOCKER_SOCKET } from './client.js';
export type { DockerEndpoint, VolumeInfo, ContainerSummary } from './client.js';
export { DockerVolumeSource, VOLUMES_DIR } from './volume-source.js';
export type { OpenDir } from './volume-source.js';
export { DockerContainerSource, CONTAINERS_DIR } from './container-source.js';
export { restoreDockerVolume } from './restore.js';
export { dockerVolumeTarget } from './restore-target.js';
export { restoreVolumeInPlace } from './restore-mountpoint.js';
export type { RestoreVolumeOptions, RestoreVolumeResult } from './restore.js';
export { STOP_LABEL } from './quiesce.js';
