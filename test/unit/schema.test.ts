// schema/zonegate.schema.json is for editors; zonegate's own loader (src/shared/policy/) is the
// authority, because the gate cannot afford a schema validator at start-up. These tests keep the
// two from drifting: the starter configs and every config the tests load validate against the
// schema, and structurally wrong configs are refused by both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderStarterConfig } from '../../src/admin/init/starter-config.js';
import { parseJsonc } from '../../src/shared/jsonc.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { KEY_A } from '../fixtures/public-keys.js';
import { PROJECT } from '../helpers/gate.js';

const schema = JSON.parse(readFileSync(join(PROJECT, 'schema/zonegate.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, strictTuples: false }).compile(schema);

function bothJudge(config: unknown): { schema: boolean; loader: boolean } {
  const text = JSON.stringify(config);
  let loader = true;
  try {
    parsePolicy(text, 'x');
  } catch {
    loader = false;
  }
  return { schema: validate(parseJsonc(text).value), loader };
}

const key = {
  publicKey: KEY_A,
  from: ['192.0.2.1', '2001:db8::/64'],
  rules: [{ direction: 'upload', root: '/srv/zones', paths: ['external/**'] }],
};
const target = {
  host: 'ns2.example.net',
  user: 'bind',
  identity: '/etc/zonegate/keys/ns2',
  knownHosts: '/etc/zonegate/known_hosts',
  source: '/var/lib/zonegate/zones',
  destination: 'external/',
};
const zoneSet = {
  name: 'ext',
  zones: ['example.com', '*.example.net'],
  view: 'external',
  checker: false,
  rndc: ['/usr/sbin/rndc', '-c', '/etc/bind/rndc.conf'],
  verify: { server: '127.0.0.1', port: 53, source: '127.0.0.2', timeoutSeconds: 5 },
  keep: 3,
  maxDeleteShare: 0.3,
  lockWaitSeconds: 10,
  files: { owner: 'root', group: 'bind', mode: '0640' },
  limits: { zoneBytes: 1048576, generateRange: 1000, checkerConcurrency: 1 },
  transferTimeoutSeconds: 300,
  signatureHorizon: '3d',
};

describe('the JSON Schema', () => {
  it.each(['primary', 'secondary'] as const)('accepts the %s starter config (zonegate init output)', async (role) => {
    const value = parseJsonc(await renderStarterConfig(role)).value;
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    [
      'a full secondary',
      {
        gate: { rsync: '/usr/bin/rsync', log: '/var/log/zonegate/gate.log', stateDir: '/var/lib/zonegate/gate', sandbox: 'required' },
        keys: { ns1: { ...key, expiry: '20301231' } },
      },
    ],
    [
      'a zone-set rule',
      { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv/ext', paths: ['**'], delete: true, zoneSet }] } } },
    ],
    [
      'a zone set served by nsd',
      {
        keys: {
          ns1: {
            ...key,
            rules: [
              {
                direction: 'upload',
                root: '/srv/ext',
                paths: ['**'],
                zoneSet: { zones: ['a.example'], server: 'nsd', control: ['/usr/sbin/nsd-control', '-c', '/etc/nsd/nsd.conf'] },
              },
            ],
          },
        },
      },
    ],
    [
      'a primary',
      {
        targets: {
          ns2: {
            ...target,
            port: 2222,
            delete: true,
            zoneFile: 'db.{zone}',
            rsyncOptions: ['--bwlimit=500'],
            timeoutSeconds: 60,
            retries: 1,
            verify: { server: '192.0.2.53', port: 5353, source: '192.0.2.10', tsigKeyFile: '/etc/zonegate/fleet.key', timeoutSeconds: 3 },
          },
          ns3: { ...target, verify: false },
        },
        push: { stateDir: '/var/lib/zonegate', concurrency: 2, backoffSeconds: [1, 2], pingUrl: 'https://hc.example/abc', mailTo: 'root' },
      },
    ],
  ])('agrees with the loader on %s (both accept)', (_name, config) => {
    expect(bothJudge(config)).toEqual({ schema: true, loader: true });
  });

  it.each([
    ['an unknown top-level setting', { gates: {} }],
    ['an unknown key setting', { keys: { ns1: { ...key, form: [] } } }],
    ['a missing from', { keys: { ns1: { publicKey: KEY_A, rules: key.rules } } }],
    ['an empty rules list', { keys: { ns1: { ...key, rules: [] } } }],
    ['a relative root', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: 'srv', paths: ['**'] }] } } }],
    ['root /', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/', paths: ['**'] }] } } }],
    ['a root with ..', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv/../etc', paths: ['**'] }] } } }],
    ['a root with a trailing /', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv/', paths: ['**'] }] } } }],
    ['a bad direction', { keys: { ns1: { ...key, rules: [{ direction: 'both', root: '/srv', paths: ['**'] }] } } }],
    ['a pattern with ..', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['a/../b'] }] } } }],
    ['an absolute pattern', { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['/etc'] }] } } }],
    ['a hostname in from', { keys: { ns1: { ...key, from: ['ns1.example.net'] } } }],
    ['a quote in a key name', { keys: { 'a"b': key } }],
    [
      'a zone set with two placeholders',
      { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { zoneFile: '{zone}.{zone}' } }] } } },
    ],
    [
      "a view with nsd (views are BIND's)",
      {
        keys: {
          ns1: {
            ...key,
            rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { ...zoneSet, rndc: undefined, server: 'nsd' } }],
          },
        },
      },
    ],
    [
      'rndc with knot',
      {
        keys: {
          ns1: {
            ...key,
            rules: [
              {
                direction: 'upload',
                root: '/srv',
                paths: ['**'],
                zoneSet: { zones: ['a.example'], server: 'knot', rndc: ['/usr/sbin/rndc'] },
              },
            ],
          },
        },
      },
    ],
    [
      'both rndc and control',
      {
        keys: {
          ns1: {
            ...key,
            rules: [
              {
                direction: 'upload',
                root: '/srv',
                paths: ['**'],
                zoneSet: { zones: ['a.example'], rndc: ['/usr/sbin/rndc'], control: ['/usr/sbin/rndc'] },
              },
            ],
          },
        },
      },
    ],
    [
      'an unknown server',
      {
        keys: {
          ns1: {
            ...key,
            rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { zones: ['a.example'], server: 'powerdns' } }],
          },
        },
      },
    ],
    [
      'a relative rndc',
      { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { rndc: ['rndc'] } }] } } },
    ],
    ['a bad sandbox', { gate: { sandbox: 'maybe' } }],
    ['a target without identity', { targets: { ns2: { ...target, identity: undefined } } }],
    ['a target with ..', { targets: { ns2: { ...target, destination: '../etc' } } }],
    ['a target rsync option off the list', { targets: { ns2: { ...target, rsyncOptions: ['--rsync-path=evil'] } } }],
    ['a signature horizon in ISO 8601 form', { targets: { ns2: { ...target, signatureHorizon: 'P3D' } } }],
    ['a negative signature horizon', { targets: { ns2: { ...target, signatureHorizon: -1 } } }],
    ['a target verify with an unknown setting', { targets: { ns2: { ...target, verify: { key: '/etc/k' } } } }],
    ['a target verify with a relative TSIG key file', { targets: { ns2: { ...target, verify: { tsigKeyFile: 'fleet.key' } } } }],
    ['a target verify with a host name as source', { targets: { ns2: { ...target, verify: { source: 'ns1.example.net' } } } }],
    ['a target verify with timeout 0', { targets: { ns2: { ...target, verify: { timeoutSeconds: 0 } } } }],
    ['a target verify: true', { targets: { ns2: { ...target, verify: true } } }],
    ['a push with a bad URL', { push: { pingUrl: 'ftp://x' } }],
    [
      'a zone set without zones',
      { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { name: 'x' } }] } } },
    ],
    [
      'a zone set with a bad zone pattern',
      { keys: { ns1: { ...key, rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { zones: ['*example.net'] } }] } } },
    ],
    [
      'a zone set with an unknown limit',
      {
        keys: {
          ns1: {
            ...key,
            rules: [{ direction: 'upload', root: '/srv', paths: ['**'], zoneSet: { zones: ['a.example'], limits: { bytes: 1 } } }],
          },
        },
      },
    ],
  ])('agrees with the loader on %s (both refuse)', (_name, config) => {
    expect(bothJudge(config)).toEqual({ schema: false, loader: false });
  });
});
