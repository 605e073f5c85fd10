// named.conf and rndc.conf for the lab's named: everything under its own temp dir, DNS and the
// control channel on 127.0.0.1 only, an rndc key of its own; zones inline or from include files.
import { join } from 'node:path';

export interface ZoneDecl {
  name: string;
  /** Absolute path of the zone file. */
  file: string;
  view?: string;
}

export interface IncludeDecl {
  view?: string;
  path: string;
}

export interface ConfInput {
  dir: string;
  port: number;
  rndcPort: number;
  secret: string;
  zones: readonly ZoneDecl[];
  includes: readonly IncludeDecl[];
  /** view name -> query source address that selects it (match-clients). */
  clients: ReadonlyMap<string, string>;
  /** More DNS ports named listens on (on 127.0.0.1), each one a "secondary" for the fleet benchmark. */
  extraPorts?: readonly number[];
  /** view name -> TSIG key that selects it instead of the address (match-clients { key …; }). */
  viewKeys?: ReadonlyMap<string, TsigSecret>;
}

/** A TSIG key named.conf declares (hmac-sha256). */
export interface TsigSecret {
  name: string;
  secret: string;
}

const KEY = 'zonegate-lab-rndc';

// named.conf strings: refuse anything that would need escaping rather than escape it.
export function quoted(value: string): string {
  if (/["\\\n\r;{}]/.test(value)) throw new Error(`refusing to put ${JSON.stringify(value)} into named.conf`);
  return `"${value}"`;
}

const keyLine = (secret: string, name = KEY): string => `key ${quoted(name)} { algorithm hmac-sha256; secret ${quoted(secret)}; };`;

export function renderRndcConf(secret: string, rndcPort: number): string {
  return `${keyLine(secret)}\noptions { default-key "${KEY}"; default-server 127.0.0.1; default-port ${String(rndcPort)}; };\n`;
}

export function renderNamedConf(input: ConfInput): string {
  const { dir, clients, zones, includes } = input;
  const viewKeys = input.viewKeys ?? new Map<string, TsigSecret>();
  const lines: string[] = [
    keyLine(input.secret),
    ...[...viewKeys.values()].map((key) => keyLine(key.secret, key.name)),
    `controls { inet 127.0.0.1 port ${String(input.rndcPort)} allow { 127.0.0.1; } keys { "${KEY}"; }; };`,
    'options {',
    `  directory ${quoted(dir)};`,
    `  listen-on port ${String(input.port)} { 127.0.0.1; };`,
    ...(input.extraPorts ?? []).map((extra) => `  listen-on port ${String(extra)} { 127.0.0.1; };`),
    '  listen-on-v6 { none; };',
    `  pid-file ${quoted(join(dir, 'named.pid'))};`,
    `  session-keyfile ${quoted(join(dir, 'session.key'))};`,
    `  managed-keys-directory ${quoted(dir)};`,
    `  dump-file ${quoted(join(dir, 'named_dump.db'))};`,
    `  statistics-file ${quoted(join(dir, 'named.stats'))};`,
    '  recursion no;',
    '  dnssec-validation no;',
    '  allow-query { any; };',
    '  allow-transfer { none; };',
    '  notify no;',
    '};',
  ];
  const zone = (z: ZoneDecl): string => `zone ${quoted(z.name)} { type primary; file ${quoted(z.file)}; };`;
  const include = (path: string): string => `include ${quoted(path)};`;
  for (const z of zones) {
    if (!z.file.startsWith('/')) throw new Error(`zone ${z.name}: file must be absolute, got ${z.file}`);
    if (z.view !== undefined && !clients.has(z.view)) throw new Error(`zone ${z.name}: unknown view ${z.view}`);
    if (z.view === undefined && clients.size > 0) throw new Error(`zone ${z.name}: with views, every zone needs a view`);
  }
  for (const i of includes) {
    if (i.view !== undefined && !clients.has(i.view)) throw new Error(`include ${i.path}: unknown view ${i.view}`);
  }
  if (clients.size === 0) {
    lines.push(...zones.map(zone), ...includes.map((i) => include(i.path)));
  } else {
    lines.push(...includes.filter((i) => i.view === undefined).map((i) => include(i.path)));
    for (const [view, client] of clients) {
      const key = viewKeys.get(view);
      lines.push(`view ${quoted(view)} {`, `  match-clients { ${key === undefined ? client : `key ${quoted(key.name)}`}; };`);
      lines.push(...zones.filter((z) => z.view === view).map((z) => `  ${zone(z)}`));
      lines.push(...includes.filter((i) => i.view === view).map((i) => `  ${include(i.path)}`));
      lines.push('};');
    }
  }
  return `${lines.join('\n')}\n`;
}
