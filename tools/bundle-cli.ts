// Bundles the `keel` command (`npm run build` runs this after tsc): dist/cli/main.js and what it loads
// (yargs, the client library, nats, avsc) become dist/cli/keel.js plus chunks dist/cli/keel-*.js that
// load when a command needs them. bin/keel.js runs dist/cli/keel.js.
//
// Why: a CLI call spent much of its start in node's module loader, resolving, reading and compiling
// some 200 small files one by one (yargs and its dependencies, nats, avsc, the client), and yargs' help
// layout measured text with an old string-width (cliui's and wrap-ansi's copy) that is slow per
// character. The figures, before and after: `npm run bench:cli` and the commit that added this file.
//
// The rules that keep the bundle behaving as the compiled modules do:
// - Every output file is in dist/cli/, where main.js compiles to: two directories below the package
//   root like every compiled module, so paths taken from import.meta.url (schemas/ in
//   src/codec/schemas.ts, package.json in src/cli/main.ts) resolve as from dist/, in a clone, in a
//   project that installed the package and in a global install (test/package checks the latter two).
// - Everything else the CLI loads is in the bundle, `keel serve`'s node included: one copy of each
//   module per process, so `instanceof` holds (KeelError, and nats' NatsError, which a copy of nats
//   loaded beside the bundle's would break). fs-ext (a native addon), pino (its transports run in
//   worker threads from their own files) and prom-client are loaded from node_modules, as before.
// - cliui and wrap-ansi get the string-width that yargs itself uses (v8: the same function and
//   options, far faster) instead of their own v7 copy. The help text is the same.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.join(root, 'dist', 'cli');

const yargsDir = path.dirname(createRequire(import.meta.url).resolve('yargs/package.json'));

const oneStringWidth: Plugin = {
  name: 'keel-one-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (!/[\\/]node_modules[\\/](cliui|wrap-ansi)[\\/]/.test(args.importer)) return undefined;
      const r = await b.resolve('string-width', { kind: args.kind, resolveDir: yargsDir });
      return r.errors.length > 0 ? { errors: r.errors } : { path: r.path };
    });
  },
};

// Chunks of an earlier build (their names carry a content hash).
for (const f of readdirSync(outdir)) if (/^keel(-.*)?\.js$/.test(f)) rmSync(path.join(outdir, f));

const result = await build({
  entryPoints: { keel: path.join(outdir, 'main.js') },
  outdir,
  chunkNames: 'keel-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['fs-ext', 'pino', 'prom-client'],
  plugins: [oneStringWidth],
  // nats and avsc are CommonJS and require() node's built-in modules: give the ESM output a require.
  banner: { js: "import { createRequire as __keelCreateRequire } from 'node:module'; const require = __keelCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  write: true,
  metafile: true,
});

// A CommonJS package reached by a dynamic import() becomes a chunk that exports only `default`, where
// node would also give its named exports (`const { x } = await import('nats')` works unbundled and
// gets undefined here). Import such packages statically, from a module that is itself loaded lazily.
for (const file of Object.keys(result.metafile.outputs)) {
  const text = readFileSync(path.resolve(root, file), 'utf8');
  if (/^export default require_\w+\(\);$/m.test(text)) {
    throw new Error(`${file}: a CommonJS package is imported dynamically (see tools/bundle-cli.ts)`);
  }
}
