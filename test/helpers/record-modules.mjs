// `node --import ./test/helpers/record-modules.mjs ...` appends the URL of every module the process
// loads through the ES module loader, one a line, to the file named by KEEL_RECORD_MODULES
// (test/cli/startup.test.ts: what a CLI call loads before it runs).
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url, { data: { file: process.env.KEEL_RECORD_MODULES } });
