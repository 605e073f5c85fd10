// The adapter of each server a zone set may name (zoneSet.server).

import type { ZoneServer } from '../../shared/policy/types.js';
import { bindAdapter } from './bind.js';
import { knotAdapter } from './knot.js';
import { nsdAdapter } from './nsd.js';
import type { ServerAdapter } from './types.js';

const ADAPTERS: Record<ZoneServer, ServerAdapter> = { bind: bindAdapter, nsd: nsdAdapter, knot: knotAdapter };

export function serverAdapter(server: ZoneServer): ServerAdapter {
  return ADAPTERS[server];
}
