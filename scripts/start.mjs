#!/usr/bin/env node
// `npm start`: builds the app and launches Electron. Where the Electron binary is not installed
// (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on our build machines), it says so and serves the same
// renderer to a browser on 127.0.0.1 instead, so the command never fails for lack of a binary.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

let electronPath = null;
try {
  electronPath = require('electron'); // the path of the binary, or throws if it was never downloaded
} catch {
  electronPath = null;
}

const build = spawnSync(bin('electron-vite'), ['build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

if (electronPath) {
  const child = spawn(bin('electron-vite'), ['preview', '--skipBuild'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const port = process.env.PORT ?? '5173';
  console.log(
    `corescope: the Electron binary is not installed here (npm install ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1).\n` +
      `corescope: serving the workbench to a browser instead: http://127.0.0.1:${port}/  (Ctrl+C to stop)`,
  );
  // The browser host: the built renderer plus the engine in a Node child process, with the
  // default demo scenario loaded (src/server/serve.ts).
  const child = spawn(bin('tsx'), ['src/server/serve.ts', '--port', port], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url).pathname,
  });
  child.on('exit', (code) => process.exit(code ?? 0));
}
