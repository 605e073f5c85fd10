// Secondaries for the fleet view's tests, as data: a server kind and how to start one that serves
// given zones at given serials in given views (one chosen by the query's source address, one by a
// TSIG key, or no views at all), then change what it serves. Each kind (BIND, NSD, Knot) reaches
// its zones through the same interface, so a fleet test runs unchanged against every kind, or a mix.
// NSD and Knot have no views: their rows take one view that every query reaches.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { renderKnotZones } from '../../src/zoneset/servers/knot.js';
import { renderNsdZones } from '../../src/zoneset/servers/nsd.js';
import type { LabServer } from './dns-daemon.js';
import { startKnot } from './knot.js';
import type { TsigSecret } from './named-conf.js';
import { startNamed, type ViewDecl } from './named.js';
import { startNsd } from './nsd.js';
import type { Scope } from './scope.js';
import { bindTool } from './tools.js';
import { writeTsigKeyFile } from './tsig.js';
import { until } from './wait.js';
import { writeZoneFile, zoneText } from './zones.js';

/** How a view is selected: every query (no views), the query's source address, or a TSIG key. */
export type ViewSelect = { by: 'any' } | { by: 'source'; source: string } | { by: 'key'; key: TsigSecret };

export interface FleetView {
  name: string;
  select: ViewSelect;
  /** zone -> serial served at start. */
  zones: Record<string, number>;
}

export interface FleetSecondary {
  kind: string;
  port: number;
  /** The target's `verify` settings (beyond server and port) that reach `view`. */
  verify(view: string): { source?: string; tsigKeyFile?: string };
  /** Serves exactly `zones` in `view` from now on (zones left out stop being served); resolves once it does. */
  serve(view: string, zones: Record<string, number>): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetServerKind {
  kind: string;
  start(scope: Scope, dir: string, views: readonly FleetView[]): Promise<FleetSecondary>;
}

/** BIND: one named; each view's zones in an include file, rewritten and re-read with rndc reconfig + reload. */
export const bindFleetServer: FleetServerKind = {
  kind: 'bind',
  async start(scope, dir, views) {
    const viewless = views.length === 1 && views[0]?.select.by === 'any';
    const include = (view: string): string => join(dir, `${view}.zones.conf`);
    const zoneDir = (view: string): string => join(dir, view);
    const keyFiles = new Map<string, string>();
    const write = (view: string, zones: Record<string, number>): void => {
      mkdirSync(zoneDir(view), { recursive: true });
      const stanzas = Object.entries(zones).map(([zone, serial]) => {
        const file = `db.${zone}`;
        writeZoneFile(zoneDir(view), file, zoneText(zone, serial));
        return `zone "${zone}" { type primary; file "${join(zoneDir(view), file)}"; };`;
      });
      writeFileSync(include(view), `${stanzas.join('\n')}\n`);
    };
    for (const view of views) {
      write(view.name, view.zones);
      if (view.select.by === 'key') keyFiles.set(view.name, writeTsigKeyFile(dir, view.select.key));
    }
    const decls: ViewDecl[] = views.map((v) => ({
      name: v.name,
      ...(v.select.by === 'source' ? { client: v.select.source } : {}),
      ...(v.select.by === 'key' ? { key: v.select.key } : {}),
    }));
    const named = await startNamed({
      scope,
      parent: dir,
      ...(viewless ? {} : { views: decls }),
      includeFiles: views.map((v) => (viewless ? { path: include(v.name) } : { view: v.name, path: include(v.name) })),
    });
    const verify = (view: string): { source?: string; tsigKeyFile?: string } => {
      const select = views.find((v) => v.name === view)?.select;
      if (select === undefined) throw new Error(`no view ${view}`);
      return select.by === 'source' ? { source: select.source } : select.by === 'key' ? { tsigKeyFile: keyFiles.get(view) ?? '' } : {};
    };
    const served = async (view: string, zone: string): Promise<number | undefined> => {
      const select = views.find((v) => v.name === view)?.select;
      const how =
        select?.by === 'source'
          ? ['-b', select.source]
          : select?.by === 'key'
            ? ['-y', `hmac-sha256:${select.key.name}:${select.key.secret}`]
            : [];
      const result = await execa(
        bindTool('dig'),
        ['+short', '+norecurse', '+time=1', '+tries=1', '-p', String(named.port), ...how, '@127.0.0.1', zone, 'SOA'],
        { reject: false, timeout: 10_000 },
      );
      const serial = /^\S+ \S+ (\d+) /m.exec(result.stdout)?.[1];
      return serial === undefined ? undefined : Number(serial);
    };
    const current = new Map(views.map((v) => [v.name, { ...v.zones }]));
    return {
      kind: 'bind',
      port: named.port,
      verify,
      async serve(view, zones) {
        const before = current.get(view) ?? {};
        write(view, zones);
        current.set(view, { ...zones });
        for (const args of [['reconfig'], ['reload']]) {
          const result = await named.rndc(args);
          if (result.exitCode !== 0) throw new Error(`rndc ${args.join(' ')}: ${result.stderr}`);
        }
        for (const zone of new Set([...Object.keys(before), ...Object.keys(zones)]))
          await until(async () => (await served(view, zone)) === zones[zone], `${zone} in view ${view} to serve ${String(zones[zone])}`);
      },
      stop: () => named.stop(),
    };
  },
};

interface DaemonKind {
  kind: 'nsd' | 'knot';
  start(includeFiles: string[], scope: Scope, parent: string): Promise<LabServer>;
  /** The zone list the daemon includes, in the form zonegate writes for a zone set. */
  renderList(dir: string, zones: { zone: string; path: string }[]): string;
  /** Control commands that read the zone list again, then those that load `zones` from their files. */
  reconfig: string[];
  reload(zones: string[]): string[][];
}

/** NSD or Knot: one daemon, its zones in the list it includes, changed with the control program as zonegate's adapters do. */
function daemonFleetServer(daemon: DaemonKind): FleetServerKind {
  return {
    kind: daemon.kind,
    async start(scope, dir, views) {
      const [only, ...more] = views;
      if (only === undefined || more.length > 0 || only.select.by !== 'any')
        throw new Error(`${daemon.kind} has no views: give its fleet row one view that every query reaches`);
      const list = join(dir, `${daemon.kind}-zones.conf`);
      const zoneDir = join(dir, only.name);
      const write = (zones: Record<string, number>): void => {
        mkdirSync(zoneDir, { recursive: true });
        const listed = Object.entries(zones).map(([zone, serial]) => {
          writeZoneFile(zoneDir, `db.${zone}`, zoneText(zone, serial));
          return { zone, path: join(zoneDir, `db.${zone}`) };
        });
        writeFileSync(list, daemon.renderList(dir, listed));
      };
      write(only.zones);
      const server = await daemon.start([list], scope, dir);
      // Ready means the daemon answers; its zones load after that.
      for (const [zone, serial] of Object.entries(only.zones)) await server.waitForSerial(zone, serial);
      let current = { ...only.zones };
      return {
        kind: daemon.kind,
        port: server.port,
        verify: (view) => {
          if (view !== only.name) throw new Error(`no view ${view}`);
          return {};
        },
        async serve(view, zones) {
          if (view !== only.name) throw new Error(`no view ${view}`);
          const before = current;
          write(zones);
          current = { ...zones };
          const kept = Object.keys(zones).filter((zone) => zone in before);
          for (const args of [daemon.reconfig, ...(kept.length > 0 ? daemon.reload(kept) : [])]) {
            const result = await server.controlRun(args);
            if (result.exitCode !== 0) throw new Error(`${daemon.kind} control ${args.join(' ')}: ${result.output}`);
          }
          for (const zone of new Set([...Object.keys(before), ...Object.keys(zones)])) await server.waitForSerial(zone, zones[zone]);
        },
        stop: () => server.stop(),
      };
    },
  };
}

/** NSD: `nsd-control reconfig` adds and drops zones, `reload ZONE` reads a zone's file whatever its mtime. */
export const nsdFleetServer: FleetServerKind = daemonFleetServer({
  kind: 'nsd',
  start: (includeFiles, scope, parent) => startNsd({ scope, parent, includeFiles }),
  renderList: renderNsdZones,
  reconfig: ['reconfig'],
  reload: (zones) => zones.map((zone) => ['reload', zone]),
});

/** Knot: `knotc reload` reads knot.conf and its zone list again, `zone-reload -b` waits for the loads. */
export const knotFleetServer: FleetServerKind = daemonFleetServer({
  kind: 'knot',
  start: (includeFiles, scope, parent) => startKnot({ scope, parent, includeFiles }),
  renderList: renderKnotZones,
  reconfig: ['reload'],
  reload: (zones) => [['zone-reload', '-b', ...zones]],
});
