// Zone sets served by a real NSD: the BIND fault cases (test/helpers/zoneset-server-cases.ts).
import { zoneSetServerCases } from '../helpers/zoneset-server-cases.js';
import { startNsd } from '../lab/nsd.js';

zoneSetServerCases({
  kind: 'nsd',
  start: (includeFiles) => startNsd({ includeFiles }),
  reconfig: 'reconfig',
  reloads: (zones) => zones.map((zone) => `reload ${zone}`),
  badAddress: /is invalid: error: db\.[pa]\.example:\d+: invalid IPv4 address '999\.0\.0\.1'/,
});
