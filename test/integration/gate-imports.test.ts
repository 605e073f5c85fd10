// The gate starts on every SSH connection: its module graph must never pull in yargs or execa,
// which each roughly double Node's start-up. Two checks: the unbundled ESM graph under a resolve
// hook that throws on them, and the bundle's list of bundled packages. And the zone-set engine stays
// in its own bundle (dist/gate-zoneset.cjs), out of the one every connection compiles.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT } from '../helpers/gate.js';

describe('gate import graph', () => {
  it('never resolves yargs or execa when the gate runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-hook-'));
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  if (/^(yargs|execa)(\\/|$)/.test(specifier)) throw new Error('forbidden import in the gate: ' + specifier);
  return next(specifier, context);
}\n`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    // The unbundled entry, so every import goes through the hook; a missing config: it refuses, 78.
    const runner = join(dir, 'run-gate.mjs');
    writeFileSync(runner, `import { main } from ${JSON.stringify(join(PROJECT, 'dist/gate/entry.js'))};\nmain();\n`);
    const result = spawnSync(process.execPath, ['--import', register, runner, '--key', 'x', '--config', '/nonexistent'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(result.stderr).not.toMatch(/forbidden import/);
    expect(result.status).toBe(78);
  });

  it('the hook itself catches a forbidden import (so the test above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-hook-'));
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(s, c, n) { if (/^yargs/.test(s)) throw new Error('forbidden import in the gate: ' + s); return n(s, c); }\n`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const result = spawnSync(process.execPath, ['--import', register, join(PROJECT, 'dist/admin/main.js')], {
      encoding: 'utf8',
      cwd: PROJECT,
    });
    expect(result.stderr).toMatch(/forbidden import in the gate: yargs/);
  });

  /** The files esbuild put in a bundle: scripts/bundle-gate.mjs writes them (minified bundles keep no markers). */
  const sourcesIn = (file: string): string[] => {
    const bundles = JSON.parse(readFileSync(join(PROJECT, 'build/gate-bundles.json'), 'utf8')) as Record<string, string[]>;
    return bundles[file] ?? [];
  };

  it.each(['dist/gate.cjs', 'dist/gate-zoneset.cjs'])('%s bundles picomatch and no other package', (file) => {
    const packages = new Set(sourcesIn(file).flatMap((source) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? []));
    expect([...packages]).toEqual(['picomatch']);
    // Loaded only on the paths that need them (a refusal never does): child_process, crypto, net,
    // dgram. Asked of Node itself: the builtins loading the bundle made Node load, beyond a bare start.
    const loaded = (script: string): string[] =>
      spawnSync(process.execPath, ['-e', `${script}; console.log(process.moduleLoadList.join('\\n'))`], { encoding: 'utf8' }).stdout.split(
        '\n',
      );
    const bare = new Set(loaded(''));
    const added = loaded(`require(${JSON.stringify(join(PROJECT, file))})`).filter((name) => !bare.has(name));
    // The control: the same probe sees a builtin that a script does load.
    expect(loaded("require('node:net')")).toContain('NativeModule net');
    expect(added.filter((name) => /^NativeModule (child_process|crypto|net|dgram)$/.test(name))).toEqual([]);
  });

  it('keeps the zone-set engine out of dist/gate.cjs: only the zoneset modules the decision uses', () => {
    const core = sourcesIn('dist/gate.cjs');
    // The decision checks a zone-set request's options and zones (options, receiver, allowed-zones)
    // and a plain run may keep a transfer log (transfer-log). Anything more is the engine growing
    // back into every connection's start: move it behind main.ts's import('./serve-zoneset.js').
    expect(core.filter((source) => source.startsWith('src/zoneset/')).sort()).toEqual([
      'src/zoneset/allowed-zones.ts',
      'src/zoneset/options.ts',
      'src/zoneset/receiver.ts',
      'src/zoneset/transfer-log.ts',
    ]);
    expect(core).toContain('src/gate/main.ts');
    expect(core).not.toContain('src/gate/serve-zoneset.ts');
    // The one way across: a require of the sibling bundle, made only for an allowed zone-set upload.
    expect(readFileSync(join(PROJECT, 'dist/gate.cjs'), 'utf8').match(/require\("\.\/[^"]*"\)/g)).toEqual([
      'require("./gate-zoneset.cjs")',
    ]);
  });

  it('puts the zone-set upload and its engine in dist/gate-zoneset.cjs', () => {
    const zoneSet = sourcesIn('dist/gate-zoneset.cjs');
    for (const source of ['src/gate/serve-zoneset.ts', 'src/zoneset/pipeline.ts', 'src/zoneset/promote.ts', 'src/shared/errors.ts'])
      expect(zoneSet).toContain(source);
    expect(zoneSet).not.toContain('src/gate/main.ts');
  });
});
