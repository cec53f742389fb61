const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * The layers of DESIGN.md, from the ground up; a folder imports only from the floors below it.
 * Each folder lists the top-level folders it must never import. A relative import climbs to the
 * project root and names a top-level folder, so the check needs no resolver; subfolders are
 * therefore never named after a top-level folder.
 */
const LAYERS = {
  formats: ['connectors', 'mappings', 'records', 'policies', 'app', 'nodes'],
  connectors: ['mappings', 'records', 'policies', 'app', 'nodes'],
  mappings: ['connectors', 'records', 'policies', 'app', 'nodes'],
  records: ['connectors', 'policies', 'app', 'nodes'],
  policies: ['connectors', 'app', 'nodes'],
  app: ['nodes'],
  nodes: [],
};
const LIBRARIES = ['formats', 'connectors', 'mappings', 'records', 'policies', 'app'];

function layerRules(folder) {
  const banned = LAYERS[folder];
  const patterns = [];
  if (banned.length) {
    patterns.push({
      regex: `^(\\.\\./)+(${banned.join('|')})(/|$)`,
      message: `${folder}/ sits below ${banned.join(', ')} in the layers of DESIGN.md and must not import them.`,
    });
  }
  if (LIBRARIES.includes(folder)) {
    patterns.push({
      regex: '^(node-red|@node-red/.*)$',
      message: `${folder}/ is a library: libraries never import Node-RED (only nodes/ does).`,
    });
  }
  return {
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.html', 'console/static/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...Object.keys(LAYERS).map(layerRules),
  {
    // the policy console runs in the browser: it talks to the hub over HTTP only
    files: ['console/**/*.{ts,tsx}'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', localStorage: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${[...LIBRARIES, 'nodes'].join('|')})(/|$)`,
              message: 'console/ runs in the browser and reaches the hub through /console/api only.',
            },
            { regex: '^(node:.*|node-red|@node-red/.*)$', message: 'console/ runs in the browser.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
