/** The dependency rule of STYLE.md: imports point toward the engine, and rooms meet only at their index.ts. */
const LAYERS = [
  ['util'],
  ['core'],
  ['crypto', 'compress', 'chunker', 'backend'],
  ['repository'],
  ['snapshot', 'source'],
  ['archiver', 'restorer', 'maintenance', 'notify'],
  ['app', 'registry.ts', 'repo-server'],
  ['config', 'api'],
  ['daemon'],
  ['cli'],
];
const room = (name) => (name.endsWith('.ts') ? name.replace('.', '[.]') + '$' : `${name}/`);

const layerRules = LAYERS.slice(0, -1).map((rooms, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return {
    name: `layer-${rooms.join('-')}`,
    comment: `${rooms.join(', ')} must not import ${higher.join(', ')}`,
    severity: 'error',
    from: { path: `^src/(${rooms.map(room).join('|')})` },
    to: { path: `^src/(${higher.map(room).join('|')})` },
  };
});

// Rooms of one floor do not know each other: what two of them share belongs a floor lower.
const sidewaysRules = LAYERS.flatMap((rooms) =>
  rooms.map((name) => ({
    name: `sideways-${name}`,
    comment: `${name} must not import the other rooms of its floor (${rooms.join(', ')})`,
    severity: 'error',
    from: { path: `^src/${room(name)}` },
    to: { path: `^src/(${rooms.filter((r) => r !== name).map(room).join('|')})` },
  })),
).filter((rule) => !rule.to.path.endsWith('()'));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'room-internals',
      comment: 'import another room only through its index.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index[.]ts$', '^src/[^/]+/[^/]+/index[.]ts$'] },
    },
    {
      name: 'backend-implementations',
      comment: 'backend implementations import only core, util, the backend interface and its shared errors, options, TLS settings and lazy loader',
      severity: 'error',
      from: { path: '^src/backend/(local|mem|s3|sftp|rest)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/(core|util)/', '^src/backend/(backend|errors|options|tls|lazy)\\.ts$', '^src/backend/$1/'],
      },
    },
    {
      name: 'backend-implementations-registry-only',
      comment: 'only registry.ts (the composition root) and test code name concrete backends',
      severity: 'error',
      from: { pathNot: ['^src/registry[.]ts$', '/testing/', '/test-support[.]ts$', '^src/backend/(local|mem|s3|sftp|rest)/'] },
      to: { path: '^src/backend/(local|mem|s3|sftp|rest)/' },
    },
    {
      name: 'source-implementations',
      comment: 'source implementations import only core, util, the Source interface and their own folder',
      severity: 'error',
      from: { path: '^src/source/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/(core|util)/', '^src/source/[^/]+[.]ts$', '^src/source/$1/'] },
    },
    {
      name: 'source-implementations-registry-only',
      comment: 'only registry.ts (the composition root) and test code name concrete sources',
      severity: 'error',
      from: { pathNot: ['^src/registry[.]ts$', '/testing/', '/test-support[.]ts$', '^src/source/[^/]+/'] },
      to: { path: '^src/source/[^/]+/' },
    },
    {
      name: 'notify-self-contained',
      comment: 'notifications import only core, util and their libraries: the daemon hands them events, not objects',
      severity: 'error',
      from: { path: '^src/notify/' },
      to: { path: '^src/', pathNot: ['^src/(core|util)/', '^src/notify/'] },
    },
    {
      name: 'notify-channel-implementations',
      comment: 'a channel kind imports only core, util, its own folder and the files directly in notify/',
      severity: 'error',
      from: { path: '^src/notify/(smtp|webhook|healthchecks)/' },
      to: { path: '^src/', pathNot: ['^src/(core|util)/', '^src/notify/[^/]+[.]ts$', '^src/notify/$1/'] },
    },
    {
      name: 'notify-channel-implementations-factory-only',
      comment: 'only notify/factory.ts (and test code) names concrete channel kinds',
      severity: 'error',
      from: { pathNot: ['^src/notify/factory[.]ts$', '/testing/', '^src/notify/(smtp|webhook|healthchecks)/'] },
      to: { path: '^src/notify/(smtp|webhook|healthchecks)/' },
    },
    {
      name: 'repo-server-serves-a-backend',
      comment: 'serve-repo serves a Backend and never reaches into the repository',
      severity: 'error',
      from: { path: '^src/repo-server/' },
      to: { path: '^src/(repository|snapshot|archiver|restorer|maintenance|app)/' },
    },
    {
      name: 'app-through-repository',
      comment: 'use cases seal, open and compress blobs only through the repository (its BlobCodec)',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(crypto|compress)/' },
    },
    {
      name: 'codec-pure',
      comment: 'the blob codec runs in worker threads: it imports only core, util, crypto and compress',
      severity: 'error',
      from: { path: '^src/repository/codec/' },
      to: { path: '^src/', pathNot: ['^src/(core|util|crypto|compress)/', '^src/repository/codec/'] },
    },
    ...layerRules,
    ...sidewaysRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
