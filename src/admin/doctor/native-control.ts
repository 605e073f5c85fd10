// `zonegate doctor` for a BIND zone set: whether its rndc commands go to named's control channel
// from the gate's process (zoneset/servers/rndc-target.ts) or through the rndc program, and when
// natively, that named answers them that way (its key and port), since `rndc status` answering
// proves only the program's way.

import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { sendControlCommand } from '../../zoneset/servers/control-client.js';
import { nativeControlTarget } from '../../zoneset/servers/rndc-target.js';
import type { CheckItem } from './checks.js';

const PROBE_TIMEOUT_MS = 10_000;

export async function nativeControlItem(zoneSet: ZoneSetSettings): Promise<CheckItem> {
  const target = nativeControlTarget(zoneSet.control);
  if (target === undefined) {
    return {
      status: 'ok',
      title: `zone set ${zoneSet.name}: rndc commands run the rndc program`,
      detail: 'its control argv or rndc config is not one zonegate sends natively (docs/configuration.md, "Reloads, per server")',
    };
  }
  const where = `${target.host}#${String(target.port)}`;
  let said: string;
  try {
    const answer = await sendControlCommand(target, 'status', PROBE_TIMEOUT_MS);
    if (answer.err === undefined)
      return {
        status: 'ok',
        title: `zone set ${zoneSet.name}: rndc commands go natively to named's control channel at ${where}; it answers`,
      };
    said = `named answered: ${answer.err}`;
  } catch (error) {
    said = error instanceof Error ? error.message : String(error);
  }
  return {
    status: 'fail',
    title: `zone set ${zoneSet.name}: named does not take rndc commands sent natively to ${where}`,
    detail: `${said.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}; every push would fail its reload and be rolled back`,
    fix: "give rndc.conf the key and port of named.conf's controls statement",
  };
}
