// Where and with which key `rndc` would talk to named, worked out as rndc does (BIND's
// bin/rndc/rndc.c), for a control argv this fully understands: the rndc program with only -c, -s,
// -p, -k and -y, and its config (rndc.conf, else the key file) in the subset rndc's own setups
// use. Anything else (another program or option, an unknown statement or option, a file it may
// not read, a server name to resolve, several addresses) gives undefined: the rndc program is run.

import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, isAbsolute } from 'node:path';
import type { ControlTarget } from './control-client.js';
import { CONTROL_ALGORITHMS, type ControlAlgorithm } from './control-wire.js';
import { ConfDoubt, parseConfText, type ConfStatement } from './rndc-conf-text.js';

/** rndc's defaults on Debian (its --sysconfdir is /etc/bind). */
export const RNDC_DEFAULTS = { conf: '/etc/bind/rndc.conf', keyFile: '/etc/bind/rndc.key', server: '127.0.0.1', port: 953 };
/** include depth: rndc.conf including rndc.key is one. */
const MAX_INCLUDES = 4;

interface Config {
  options: Map<string, string>;
  keys: Map<string, { algorithm: ControlAlgorithm; secret: Buffer }>;
  servers: Map<string, Map<string, string | string[]>>;
}

/** `name value;` pairs of a block whose names are all in `allowed`, none twice. */
function settingsOf(block: ConfStatement[] | undefined, allowed: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const { words, block: inner } of block ?? []) {
    const [name, value, ...rest] = words;
    if (name === undefined || value === undefined || rest.length > 0 || inner !== undefined)
      throw new ConfDoubt('a setting it cannot read');
    if (!allowed.includes(name) || found.has(name)) throw new ConfDoubt(`setting ${name}`);
    found.set(name, value);
  }
  return found;
}

function readKey(block: ConfStatement[] | undefined): { algorithm: ControlAlgorithm; secret: Buffer } {
  const settings = settingsOf(block, ['algorithm', 'secret']);
  const algorithm = settings.get('algorithm')?.toLowerCase();
  const secret = settings.get('secret') ?? '';
  if (algorithm === undefined || !Object.hasOwn(CONTROL_ALGORITHMS, algorithm)) throw new ConfDoubt('key algorithm');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(secret) || secret === '') throw new ConfDoubt('key secret');
  return { algorithm: algorithm as ControlAlgorithm, secret: Buffer.from(secret, 'base64') };
}

function readServer(block: ConfStatement[] | undefined): Map<string, string | string[]> {
  const server = new Map<string, string | string[]>();
  for (const { words, block: inner } of block ?? []) {
    if (words.length === 1 && words[0] === 'addresses' && inner !== undefined && !server.has('addresses')) {
      // Only plain addresses: a per-address port or a name to resolve is left to rndc.
      const addresses = inner.map((entry) => (entry.words.length === 1 && entry.block === undefined ? (entry.words[0] ?? '') : ''));
      if (addresses.some((address) => isIP(address) === 0)) throw new ConfDoubt('server addresses');
      server.set('addresses', addresses);
    } else
      for (const [name, value] of settingsOf([{ words, block: inner }], ['key', 'port'])) {
        if (server.has(name)) throw new ConfDoubt(`server ${name} twice`);
        server.set(name, value);
      }
  }
  return server;
}

function readConfig(path: string, config: Config, depth: number): void {
  if (depth > MAX_INCLUDES || !isAbsolute(path)) throw new ConfDoubt('include');
  for (const { words, block } of parseConfText(readFileSync(path, 'utf8'))) {
    const [kind, name, ...rest] = words;
    if (rest.length > 0) throw new ConfDoubt('statement');
    if (kind === 'include' && name !== undefined && block === undefined) readConfig(name, config, depth + 1);
    else if (kind === 'options' && name === undefined && config.options.size === 0) {
      config.options = settingsOf(block, ['default-server', 'default-key', 'default-port']);
    } else if (kind === 'key' && name !== undefined && !config.keys.has(name)) config.keys.set(name, readKey(block));
    else if (kind === 'server' && name !== undefined && !config.servers.has(name)) config.servers.set(name, readServer(block));
    else throw new ConfDoubt(`statement ${kind ?? ''}`);
  }
}

function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535 || Number(text) === 0) throw new ConfDoubt('port');
  return Number(text);
}

/** rndc's own options from the control argv, or undefined for anything else. */
function rndcOptions(control: readonly string[]): Map<string, string> | undefined {
  const [program, ...args] = control;
  if (program === undefined || basename(program) !== 'rndc' || args.length % 2 !== 0) return undefined;
  const options = new Map<string, string>();
  for (let at = 0; at < args.length; at += 2) {
    const [flag, value] = [args[at] ?? '', args[at + 1] ?? ''];
    if (!['-c', '-s', '-p', '-k', '-y'].includes(flag) || options.has(flag)) return undefined;
    options.set(flag, value);
  }
  return options;
}

function resolve(options: Map<string, string>): ControlTarget {
  const config: Config = { options: new Map(), keys: new Map(), servers: new Map() };
  const conf = options.get('-c') ?? RNDC_DEFAULTS.conf;
  // As rndc: rndc.conf when it exists (-c must), else the key file alone, talking to 127.0.0.1.
  const keyOnly = !options.has('-c') && !existsSync(conf);
  readConfig(keyOnly ? (options.get('-k') ?? RNDC_DEFAULTS.keyFile) : conf, config, 0);
  if (keyOnly && (config.keys.size !== 1 || config.options.size > 0 || config.servers.size > 0)) throw new ConfDoubt('key file');
  const serverName = options.get('-s') ?? (keyOnly ? RNDC_DEFAULTS.server : config.options.get('default-server'));
  if (serverName === undefined) throw new ConfDoubt('no server');
  const server = config.servers.get(serverName);
  const keyName = options.get('-y') ?? (keyOnly ? [...config.keys.keys()][0] : (server?.get('key') ?? config.options.get('default-key')));
  const key = typeof keyName === 'string' ? config.keys.get(keyName) : undefined;
  if (key === undefined) throw new ConfDoubt('no key');
  const serverPort = server?.get('port');
  const target =
    port(options.get('-p')) ?? port(typeof serverPort === 'string' ? serverPort : undefined) ?? port(config.options.get('default-port'));
  const addresses = server?.get('addresses') ?? [serverName];
  const [host, ...others] = Array.isArray(addresses) ? addresses : [addresses];
  // rndc tries several addresses in turn, and resolves names: both are left to it.
  if (host === undefined || others.length > 0 || isIP(host) === 0) throw new ConfDoubt('server address');
  return { host, port: target ?? RNDC_DEFAULTS.port, ...key };
}

/** The native target for this control argv, or undefined: then run the argv as a program. */
export function nativeControlTarget(control: readonly string[]): ControlTarget | undefined {
  const options = rndcOptions(control);
  if (options === undefined) return undefined;
  try {
    return resolve(options);
  } catch {
    // A doubt, or a file it may not read: rndc reads it (and reports what is wrong) itself.
    return undefined;
  }
}
