// The shape of src/ that CI keeps (`npm run lint:deps`), as the README's Layout states it.
//
// Feature folders form layers: each may import only the folders after it in LAYERS (and common,
// config), never one before it. templates and health stand beside them and import no feature.
// src/database (the composition root), src/cli and app.module.ts may import everything.
const LAYERS = [
  'auth',
  'mfa',
  'passkeys',
  'bearer',
  'account',
  'lockout',
  'mail',
  'users',
  'rate-limit',
  'revocation',
  'signing-keys',
  'security-events',
  'metrics',
];
const LEAVES = ['templates', 'health'];
const FEATURES = [...LAYERS, ...LEAVES];
const folders = (names) => `^src/(${names.join('|')})/`;

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
      to: { path: folders(FEATURES) },
    },
    ...LAYERS.slice(1).map((layer, index) => ({
      name: `${layer}-imports-only-below-it`,
      comment:
        `src/${layer} may import only the feature folders below it (${LAYERS.slice(index + 2).join(', ')}); ` +
        'what a folder above needs from it goes the other way, or into common.',
      severity: 'error',
      from: { path: folders([layer]) },
      to: { path: folders(LAYERS.slice(0, index + 1)) },
    })),
    {
      name: 'leaves-import-no-feature',
      comment: 'src/templates and src/health build on common and config only.',
      severity: 'error',
      from: { path: folders(LEAVES) },
      to: { path: folders(FEATURES.filter((name) => !LEAVES.includes(name))) },
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
