// What rsync did to the spare, from its own transfer log (--log-file with --log-file-format="%i %n"):
// one line per file it wrote, copied, changed the attributes of or deleted. Reading the log is what
// lets a push cost work for the changed zones only, instead of a stat of every file in the set.

/** The server options that make rsync write the log this module reads. */
export function transferLogOptions(path: string): string[] {
  return [`--log-file=${path}`, '--log-file-format=%i %n'];
}

/**
 * rsync skips a file over --max-size without an error; `--info=skip1` makes it say so in the log
 * ("NAME is over max-size"), so the push is refused instead of going live without that zone.
 */
export function maxSizeOptions(bytes: number): string[] {
  return [`--max-size=${String(bytes)}`, '--info=skip1'];
}

const OVER_MAX_SIZE = / is over max-size$/;

export interface TransferLog {
  /** Names rsync created, rewrote or changed the attributes of (the spare's root excluded). */
  written: string[];
  /** Names rsync deleted. */
  deleted: string[];
  /**
   * Items a zone set never takes: not plain files (directories, links, devices), hard links, and
   * names rsync had to escape in the log (`\#012` for a newline), which name no file as written.
   */
  refused: string[];
  /** Files the server skipped as larger than its --max-size (the zone set's limits.zoneBytes). */
  oversized: string[];
}

// "2026/11/23 12:51:55 [28827] " before every line; rsync's own, fixed.
const PREFIX = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[\d+\] /;
// %i is exactly 11 characters: update type, file type, then nine attribute flags.
const ITEM = /^([<>ch.*])([fdLDS]|deleting)/;
// The last line the server writes; its absence means the log was cut short or never opened.
const SUMMARY = /^sent \d+ bytes {2}received \d+ bytes {2}total size \d+$/;

/**
 * Parses the log; undefined when it lacks rsync's closing summary, so a log rsync could not open
 * (it carries on without one) or one cut short is never mistaken for "nothing changed".
 */
export function parseTransferLog(text: string): TransferLog | undefined {
  const log: TransferLog = { written: [], deleted: [], refused: [], oversized: [] };
  let complete = false;
  for (const raw of text.split('\n')) {
    const prefix = PREFIX.exec(raw);
    if (!prefix) continue;
    const line = raw.slice(prefix[0].length);
    if (SUMMARY.test(line)) {
      complete = true;
      continue;
    }
    if (OVER_MAX_SIZE.test(line)) {
      log.oversized.push(line.replace(OVER_MAX_SIZE, ''));
      continue;
    }
    const item = ITEM.exec(line);
    // Other lines are rsync's notes ("receiving file list"); its errors also make it exit non-zero.
    if (!item || line[11] !== ' ') continue;
    const flags = line.slice(0, 11);
    const name = line.slice(12);
    // attack: a name with a control character is logged escaped; looked up as logged it would be
    // in neither tree and pass as "no change". No zone file name has a backslash.
    if (name.includes('\\')) {
      log.refused.push(name);
    } else if (flags === '*deleting  ') {
      log.deleted.push(name.replace(/\/$/, ''));
    } else if (item[2] === 'd' && name === './') {
      // The spare's own directory: its time or mode, nothing named serves.
    } else if (item[2] === 'f' && item[1] !== 'h') {
      log.written.push(name);
    } else {
      log.refused.push(name);
    }
  }
  return complete ? log : undefined;
}
