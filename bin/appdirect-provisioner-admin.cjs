#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: it runs before any TypeScript loader */
// The `appdirect-provisioner-admin` command (package.json "bin"): the admin CLI, tools/admin-cli.ts.
// A compiled build (dist/tools/admin-cli.js) runs as it is; from a source checkout tsx loads the TypeScript.
const { existsSync } = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'dist', 'tools', 'admin-cli.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs/api').register();
  require(path.join(__dirname, '..', 'tools', 'admin-cli.ts'));
}
