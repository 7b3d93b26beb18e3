#!/usr/bin/env node
// The `keel` command: the compiled CLI (`npm run build`, run by `npm ci` and before `npm pack`).
// From a clone without a build, `npm run keel -- <command>` runs the TypeScript sources instead.
import '../dist/cli/main.js';
