#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: it runs before any TypeScript loader */
// The `appdirect-provisioner-admin` command (package.json "bin"): the admin CLI, tools/admin-cli.ts.
// In a source checkout tsx runs the TypeScript (so the command never runs a stale build); an installed package
// or the image has no tools/ and runs the compiled CLI, dist/tools/admin-cli.js, with plain node.
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'tools', 'admin-cli.ts');
if (existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source);
} else {
  require(path.join(root, 'dist', 'tools', 'admin-cli.js'));
}
