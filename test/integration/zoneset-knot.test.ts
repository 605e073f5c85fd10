// Zone sets served by a real Knot DNS: the BIND fault cases (test/helpers/zoneset-server-cases.ts).
import { zoneSetServerCases } from '../helpers/zoneset-server-cases.js';
import { startKnot } from '../lab/knot.js';

zoneSetServerCases({
  kind: 'knot',
  start: (includeFiles) => startKnot({ includeFiles }),
  reconfig: 'reload',
  reloads: (zones) => [`zone-reload ${zones.join(' ')}`],
  badAddress: /invalid IPv4 address/,
});
