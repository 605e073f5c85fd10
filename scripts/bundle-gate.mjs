// Bundles the gate entry into one CommonJS file (dist/gate.cjs): the gate starts on every SSH
// connection and one bundled CommonJS file starts about 10 ms faster than the ESM module graph.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/gate/entry.ts'],
  outfile: 'dist/gate.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: false,
  legalComments: 'inline',
  // import() inside vm.Script (bin/gate.cjs) would need a loader callback; lazy builtins become
  // require() calls made when first needed instead.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
