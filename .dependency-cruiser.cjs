/** The dependency rule of STYLE.md: imports point toward the engine, and rooms meet only at their index.ts. */
const LAYERS = [
  ['util'],
  ['core'],
  ['crypto', 'compress', 'chunker', 'backend'],
  ['repository'],
  ['snapshot', 'source'],
  ['archiver', 'restorer', 'maintenance'],
  ['app', 'registry.ts'],
  ['cli', 'server', 'scheduler'],
];

const layerRules = LAYERS.slice(0, -1).map((rooms, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return {
    name: `layer-${rooms.join('-')}`,
    comment: `${rooms.join(', ')} must not import ${higher.join(', ')}`,
    severity: 'error',
    from: { path: `^src/(${rooms.join('|')})` },
    to: { path: `^src/(${higher.join('|')})` },
  };
});

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
      comment: 'backend implementations import only core, util, the backend interface and its shared errors, options and lazy loader',
      severity: 'error',
      from: { path: '^src/backend/(local|mem|s3|sftp|rest)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/(core|util)/', '^src/backend/(backend|errors|options|lazy)\\.ts$', '^src/backend/$1/'],
      },
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
