// Lint rules, including the layer rule that keeps the engine pure (STYLE.md, point 1):
// - src/engine imports nothing from Electron, Node, the DOM frameworks, main, preload or renderer;
// - the renderer imports engine *types* only, never engine code (that runs in the engine host),
//   except the protocol module and the client transports (its end of the connection);
// - main and preload never import the renderer.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'net',
  'http',
  'https',
  'crypto',
  'url',
  'util',
  'stream',
  'events',
];

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', '.build/**', 'resources/**', 'coverage/**', 'test-results/**'],
  },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-labels': 'off',
      // Layout is prettier's job.
      'vue/singleline-html-element-content-newline': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/**/*.test.ts', 'src/engine/host/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'vue', 'pinia', ...nodeBuiltins],
              message: 'src/engine stays pure: no Electron, DOM framework or Node imports.',
            },
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**', '**/cli/**', '**/server/**'],
              message: 'The engine imports nothing from the shells.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // The protocol (its schemas validate what arrives) and the browser-safe client
              // transports are the renderer's end of the connection; nothing else of the engine.
              group: [
                '**/engine/*',
                '**/engine/*/**',
                '!**/engine/host',
                '**/engine/host/*',
                '!**/engine/protocol',
                '!**/engine/host/transport',
                '!**/engine/host/transport_websocket_client',
                '!**/engine/host/transport_messageport',
              ],
              allowTypeImports: true,
              message:
                'The renderer imports engine types only (and the protocol and client transports); engine code runs in the engine host.',
            },
            {
              group: ['electron', ...nodeBuiltins, '**/main/**'],
              message: 'The renderer is sandboxed: no Electron or Node imports.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**/*.ts', 'src/preload/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**'], message: 'main and preload never import the renderer.' }] },
      ],
    },
  },
);
