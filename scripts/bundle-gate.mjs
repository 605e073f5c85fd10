// Bundles the gate into two CommonJS files: the gate starts on every SSH connection and one bundled
// CommonJS file starts about 10 ms faster than the ESM module graph.
//   dist/gate.cjs          what every connection runs: the decision, the audit log, plain rsync
//                          runs, zonegate-hello and the dry-run decision;
//   dist/gate-zoneset.cjs  the zone-set upload (serve-zoneset.ts and the engine under it), required
//                          by the first only when a zone-set upload is allowed (main.ts): compiling
//                          it on every connection cost about 1.4 ms.
// Each is a complete bundle, so shared modules exist once in each; errors cross the boundary by
// brand (shared/errors.ts isGateError), never by class identity.
// Both are minified in whitespace and syntax (about 0.35 ms less to load), never in identifiers:
// names stay readable in stack traces and in the audit log's internal errors. esbuild then drops
// the `// src/…` markers, so the source files each bundle holds go to build/gate-bundles.json, which
// test/integration/gate-imports.test.ts reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const ZONESET_ENTRY = 'src/gate/serve-zoneset.ts';
const ZONESET_BUNDLE = './gate-zoneset.cjs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  legalComments: 'inline',
  // import() inside vm.Script (bin/gate.cjs) would need a loader callback; lazy builtins (and the
  // zone-set bundle) become require() calls made when first needed instead.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
};

/** In the core bundle, main.ts's import('./serve-zoneset.js') becomes require('./gate-zoneset.cjs'). */
const zoneSetApart = {
  name: 'zoneset-apart',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/serve-zoneset\.js$/ }, (args) => {
      if (!args.importer.endsWith('/src/gate/main.ts') || args.kind !== 'dynamic-import')
        throw new Error(`${args.importer} imports serve-zoneset statically: it must stay in dist/gate-zoneset.cjs (main.ts loads it)`);
      return { path: ZONESET_BUNDLE, external: true };
    });
  },
};

const core = await build({ ...common, entryPoints: ['src/gate/entry.ts'], outfile: 'dist/gate.cjs', plugins: [zoneSetApart] });
const zoneSet = await build({ ...common, entryPoints: [ZONESET_ENTRY], outfile: 'dist/gate-zoneset.cjs' });
const inputs = (result) => Object.keys(result.metafile.inputs).sort();
mkdirSync('build', { recursive: true });
writeFileSync(
  'build/gate-bundles.json',
  `${JSON.stringify({ 'dist/gate.cjs': inputs(core), 'dist/gate-zoneset.cjs': inputs(zoneSet) }, null, 2)}\n`,
);
