// zoneSet.server: the per-server defaults and refusals at config load, the zone lists each adapter
// writes (and the names it refuses to write), and doctor's judgement of the control channel.
// The adapters against the real servers: test/integration/zoneset-{named,nsd,knot}.test.ts.
import { describe, expect, it } from 'vitest';
import { judgeControlChannel } from '../../src/admin/doctor/zone-servers.js';
import { layoutOf } from '../../src/zoneset/layout.js';
import { serverAdapter } from '../../src/zoneset/servers/adapters.js';
import { renderZoneList, zoneListPath } from '../../src/zoneset/servers/zone-list.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { outcome } from '../helpers/outcome.js';

function zoneSetOf(zoneSet: Record<string, unknown>, root = '/srv/ext'): unknown {
  return oneKeyPolicy([{ direction: 'upload', root, paths: ['**'], zoneSet: { zones: ['*.example'], ...zoneSet } }], 'test').keys.get('ns1')
    ?.rules[0]?.zoneSet;
}

describe('zoneSet.server at config load', () => {
  it.each([
    [{}, { server: 'bind', checker: ['/usr/bin/named-checkzone', '-k', 'fail'], control: ['/usr/sbin/rndc'] }],
    [{ server: 'nsd' }, { server: 'nsd', checker: ['/usr/sbin/nsd-checkzone'], control: ['/usr/sbin/nsd-control'] }],
    [{ server: 'knot' }, { server: 'knot', checker: ['/usr/bin/kzonecheck', '-v', '-o'], control: ['/usr/sbin/knotc'] }],
    // rndc is BIND's older name for control.
    [{ rndc: ['/usr/sbin/rndc', '-c', '/etc/bind/rndc.conf'] }, { control: ['/usr/sbin/rndc', '-c', '/etc/bind/rndc.conf'] }],
    [{ server: 'nsd', control: false }, { control: [] }],
  ])('%j gives %j (checker: its first words)', (zoneSet, expected) => {
    const settings = zoneSetOf(zoneSet) as { server: string; checker: string[]; control: string[] };
    const { checker, ...rest } = expected as { checker?: string[] };
    expect(settings).toMatchObject(rest);
    if (checker !== undefined) expect(settings.checker.slice(0, checker.length)).toEqual(checker);
  });

  it.each([
    [{ server: 'nsd', view: 'external' }, /zoneSet\.view: views are a BIND feature; nsd has none/],
    [{ server: 'knot', view: 'external' }, /zoneSet\.view: views are a BIND feature; knot has none/],
    [{ server: 'knot', rndc: ['/usr/sbin/rndc'] }, /zoneSet\.rndc: rndc is BIND's; with server knot use "control"/],
    [{ rndc: ['/usr/sbin/rndc'], control: ['/usr/sbin/rndc'] }, /give "control" or "rndc", not both/],
    [{ server: 'powerdns' }, /zoneSet\.server: must be one of bind, nsd, knot/],
  ])('refuses %j in one line', (zoneSet, message) => {
    const result = outcome(() => zoneSetOf(zoneSet));
    expect(result).toMatchObject({ kind: 'refused', reason: 'config-invalid' });
    expect(result.kind === 'refused' ? result.message : '').toMatch(message);
    expect(result.kind === 'refused' ? result.message.split('\n') : []).toHaveLength(1);
  });

  it('refuses a root with % for nsd and knot, which read %s in a zone file path as the zone name', () => {
    expect(outcome(() => zoneSetOf({ server: 'nsd' }, '/srv/100%s/ext'))).toMatchObject({ kind: 'refused', reason: 'config-invalid' });
    expect(outcome(() => zoneSetOf({ server: 'knot' }, '/srv/100%s/ext'))).toMatchObject({ kind: 'refused', reason: 'config-invalid' });
    expect(outcome(() => zoneSetOf({}, '/srv/100%s/ext'))).toMatchObject({ kind: 'ok' });
  });
});

describe('the zone list each server includes', () => {
  const layout = layoutOf('/srv/ext');
  const files = ['db.b.example', 'db.a.example', 'notes.txt'];

  it('bind: zone statements, in file order, for the files that match the pattern', () => {
    expect(renderZoneList(layout, { server: 'bind', zoneFile: 'db.{zone}' }, files)).toBe(
      [
        '// Written by zonegate for the zone set in /srv/ext; include it from named.conf. Do not edit.',
        'zone "a.example" { type primary; file "/srv/ext/current/db.a.example"; };',
        'zone "b.example" { type primary; file "/srv/ext/current/db.b.example"; };',
        '',
      ].join('\n'),
    );
    expect(zoneListPath(layout, 'bind')).toBe('/srv/ext/.zonegate/named-zones.conf');
  });

  it('nsd: zone: entries with name and zonefile', () => {
    expect(renderZoneList(layout, { server: 'nsd', zoneFile: 'db.{zone}' }, files)).toBe(
      [
        '# Written by zonegate for the zone set in /srv/ext; include it from nsd.conf. Do not edit.',
        'zone:',
        '\tname: "a.example"',
        '\tzonefile: "/srv/ext/current/db.a.example"',
        'zone:',
        '\tname: "b.example"',
        '\tzonefile: "/srv/ext/current/db.b.example"',
        '',
      ].join('\n'),
    );
    expect(zoneListPath(layout, 'nsd')).toBe('/srv/ext/.zonegate/nsd-zones.conf');
  });

  it('knot: one zone: section, each zone never written back by Knot', () => {
    const text = renderZoneList(layout, { server: 'knot', zoneFile: 'db.{zone}' }, files);
    expect(text.split('\n').slice(0, 8)).toEqual([
      '# Written by zonegate for the zone set in /srv/ext; include it from knot.conf. Do not edit.',
      'zone:',
      '  - domain: "a.example"',
      '    file: "/srv/ext/current/db.a.example"',
      '    zonefile-sync: -1',
      '    zonefile-load: whole',
      '    journal-content: none',
      '  - domain: "b.example"',
    ]);
    expect(zoneListPath(layout, 'knot')).toBe('/srv/ext/.zonegate/knot-zones.conf');
  });

  it.each(['nsd', 'knot'] as const)('%s: an empty list is only a comment (the server starts with no zones)', (server) => {
    expect(renderZoneList(layout, { server, zoneFile: 'db.{zone}' }, [])).toMatch(/^# Written by zonegate[^\n]*\n$/);
  });

  // attack: a zone or file name that carries config syntax (a quote, a newline, a comment sign, a
  // %s substitution) would let a pushed name write its own statements into the server's config.
  it.each([
    ['a"b.example', '/srv/ext/current/db.x'],
    ['a.example', '/srv/ext/current/db.a.example"\ninclude: "/etc/shadow'],
    ['a.example', '/srv/ext/current/db.a#example'],
    ['a.example', '/srv/ext/current/db.%s'],
    ['a example', '/srv/ext/current/db.a'],
  ])('nsd and knot refuse to write %j / %j', (zone, path) => {
    for (const server of ['nsd', 'knot'] as const) {
      expect(outcome(() => serverAdapter(server).renderZoneList('/srv/ext', [{ zone, path }]))).toMatchObject({
        kind: 'refused',
        reason: 'not-a-zone-file',
      });
    }
  });
});

describe('doctor: the control channel', () => {
  it('ok when the status command exits 0', () => {
    expect(
      judgeControlChannel({ zoneSet: 'ext', server: 'nsd', argv: ['/usr/sbin/nsd-control', 'status'], exitCode: 0, output: 'ok' }),
    ).toEqual({
      status: 'ok',
      title: 'zone set ext: nsd answers (/usr/sbin/nsd-control status)',
    });
  });

  it('fails with the first line the program said and what to do', () => {
    const item = judgeControlChannel({
      zoneSet: 'ext',
      server: 'knot',
      argv: ['/usr/sbin/knotc', 'status'],
      exitCode: 1,
      output: 'error: failed to connect to socket /run/knot/knot.sock (not exists)\nmore',
    });
    expect(item).toMatchObject({ status: 'fail', title: 'zone set ext: knot does not answer on its control channel' });
    expect(item.detail).toBe(
      '/usr/sbin/knotc status exited 1: error: failed to connect to socket /run/knot/knot.sock (not exists); every push would fail its reload and be rolled back',
    );
    expect(item.fix).toContain('start knot');
  });
});
