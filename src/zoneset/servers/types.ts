// What a zone set needs from the DNS server that serves it, one adapter per server (bind.ts,
// nsd.ts, knot.ts): check zone files before they go live, write the zone list the server's config
// includes, and reload what a promotion changed. Asking what the server serves is the same for all
// three (over DNS, in ../reload.ts), so it is not part of an adapter.

import type { ZoneServer, ZoneSetSettings } from '../../shared/policy/types.js';

/** One zone file to check: the pushed copy in the spare, or the live copy it replaces. */
export interface CheckJob {
  zone: string;
  /** Directory of the file (the spare or the live tree); bound read-only into the checker's sandbox. */
  dir: string;
  file: string;
  which: 'pushed' | 'live';
  /** Its size in bytes when the caller measured it already (the pre-scan): no stat per zone to plan batches. */
  size?: number | undefined;
}

/** How the checker is run: directly, or through bwrap (the files it reads come from the client). */
export interface CheckerSandbox {
  bwrap: string;
}

/** What a promotion asks of the server. */
export interface ReloadPlan {
  /** Zones whose files changed: reload each one. */
  reload: string[];
  /** Zones were added or removed: the server reads its zone list again. */
  reconfig: boolean;
}

/** One zone of the zone list: its name and its file's absolute path (through the zone set's `current`). */
export interface ListedZone {
  zone: string;
  path: string;
}

export interface ServerAdapter {
  readonly server: ZoneServer;
  /** The control program's name, for reports ("rndc reload a.example"). */
  readonly program: string;
  /** File name of the zone list under ROOT/.zonegate/. */
  readonly listFile: string;
  /** The one line the admin adds to the server's config so it reads the zone list. */
  includeLine(listPath: string): string;
  /**
   * Checks every job with the zone set's checker (sandboxed, under rlimits); returns each job's SOA
   * serial, read the same way for the live and the pushed file. Throws ZoneSetError 'zone-invalid'.
   */
  checkZones(settings: ZoneSetSettings, jobs: readonly CheckJob[], sandbox: CheckerSandbox | undefined): Promise<(number | undefined)[]>;
  /** The zone list's text; zone names and paths it cannot write safely are refused, never escaped. */
  renderZoneList(root: string, zones: readonly ListedZone[]): string;
  /**
   * Runs the reload (and reconfigure) commands of `plan`; returns them, for the report. Throws
   * ZoneSetError 'reload-failed'. `setZones` counts the set's zones, for an adapter that reloads
   * everything at once when most of it changed.
   */
  reload(settings: ZoneSetSettings, plan: ReloadPlan, setZones?: () => number): Promise<string[]>;
  /** Arguments after `control` that ask whether the server answers on its control channel (doctor). */
  readonly statusArgs: readonly string[];
  /** Debian packages of the default checker and control program (doctor's install hint). */
  readonly packages: { checker: string; control: string };
}
