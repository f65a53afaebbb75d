// JupyterLab's jest preset (jsdom with fetch, ts-jest for TypeScript, babel for the
// ES-module JavaScript that @jupyterlab packages ship).
const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyterlab/',
  '@microsoft',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  // The preset also writes junit.xml and GitHub annotations; a plain report is enough.
  reporters: ['default'],
  moduleNameMapper: {
    ...baseConfig.moduleNameMapper,
    // The 2.11.0 npm package has no compiled lib/ to load (see
    // src/types/jupyterlab-scheduler.d.ts); only the plugin test needs its token.
    '^@jupyterlab/scheduler$': '<rootDir>/test/shims/jupyterlab-scheduler.ts'
  },
  testRegex: '/test/.*\\.spec\\.tsx?$',
  // The test venv (JupyterLab, jupyter_scheduler) and the built labextension hold package.json
  // files with the same names as real modules; jest's module map must not see them (CI saw
  // "Haste module naming collision: @jupyterlab/scheduler" once the venv had jupyter_scheduler).
  modulePathIgnorePatterns: [
    '<rootDir>/.venv/',
    '<rootDir>/notebook_jobs_jupyter/labextension/',
    '<rootDir>/lib/'
  ],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
