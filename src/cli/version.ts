import { VERSION } from '../core/index.js';

export { VERSION };

export function versionText(): string {
  return `cairn ${VERSION} (restic repository format 1 and 2) on Node.js ${process.version} ${process.platform}/${process.arch}`;
}
