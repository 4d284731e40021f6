// The shape of src/ that CI keeps (`npm run lint:deps`): dependencies between folders point one
// way, and the shared folders (common, config) know nothing of the features built on them.
const FEATURES = [
  'auth',
  'users',
  'templates',
  'account',
  'mail',
  'security-events',
  'metrics',
  'rate-limit',
  'health',
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'Two folders of src/ that import each other, directly or around a loop, are one ' +
        'tangle: move what both need to the folder below them (common, config or a shared one).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-folders-import-no-feature',
      comment:
        'src/common and src/config are what every feature builds on; a type or helper they ' +
        'need from a feature belongs in them (or in a shared folder) instead.',
      severity: 'error',
      from: { path: '^src/(common|config)/' },
      to: { path: `^src/(${FEATURES.join('|')})/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type is a dependency of the design, if not of the runtime.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Specs may reach across folders to build what they test.
    exclude: { path: '\\.spec\\.ts$' },
  },
};
