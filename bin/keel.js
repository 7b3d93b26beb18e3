#!/usr/bin/env node
// The `keel` command: the compiled CLI, bundled (`npm run build`, run by `npm ci` and before `npm pack`;
// tools/bundle-cli.ts says why). From a clone without a build, `npm run keel -- <command>` runs the
// TypeScript sources instead.
import '../dist/cli/keel.js';
