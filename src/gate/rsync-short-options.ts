// Short letters a client may put in the server's option cluster (see options.c server_options()).
// The real client always sends a single cluster such as `-vlogDtpre.iLsfxCIvu`: letters first,
// then `e` whose popt argument is the rest of the word, carrying capability flags (below).
import type { OptionKind } from './rsync-options.js';

export interface ShortOption {
  kind: OptionKind;
  /** The client only sends it in this direction; the other way is malformed. */
  only?: 'upload' | 'download';
  /** For `refuse`: the one-line reason (also logged). */
  why?: string;
}

const allow: ShortOption = { kind: 'allow' };
const upload: ShortOption = { kind: 'allow', only: 'upload' };
const refuse = (why: string): ShortOption => ({ kind: 'refuse', why });
const notSent = refuse('a client-side option the rsync client never sends to the server');

export const SHORT_OPTIONS: ReadonlyMap<string, ShortOption> = new Map<string, ShortOption>([
  ['v', allow], // verbosity, may repeat: only changes messages sent to the client
  ['b', allow], // --backup: backups stay in the tree (suffix) or in a confined --backup-dir
  ['u', allow], // --update: skip newer receiver files
  ['n', allow], // --dry-run: changes nothing
  ['l', allow], // --links: symlinks copied as symlinks (the gate adds --munge-links on uploads)
  ['d', allow], // --dirs without recursion
  ['m', upload], // --prune-empty-dirs, sent only by a sending client
  ['O', upload], // --omit-dir-times, sent only by a sending client
  ['J', upload], // --omit-link-times, sent only by a sending client
  ['y', upload], // --fuzzy (yy: also alt-dest dirs, which are confined path options)
  ['W', allow], // --whole-file
  ['H', allow], // --hard-links (HH: also hard-link specials); links stay inside the tree
  ['o', allow], // --owner: part of -a; ownership is the account's business, not a path escape
  ['g', allow], // --group: part of -a
  ['D', allow], // --devices --specials: part of -a, neutralised on uploads by the gate's --drop-D
  ['t', allow], // --times (may repeat)
  ['U', allow], // --atimes (UU: --open-noatime semantics)
  ['N', allow], // --crtimes (this rsync lacks them and fails cleanly)
  ['p', allow], // --perms: part of -a
  ['E', upload], // --executability, sent only by a sending client
  ['A', allow], // --acls: ACLs are applied on a held no-follow fd in rsync 3.5 (CVE-2026-53799)
  ['r', allow], // --recursive
  ['c', allow], // --checksum
  ['C', allow], // --cvs-exclude: per-dir .cvsignore merges, confined by --confine-root
  ['I', allow], // --ignore-times
  ['R', allow], // --relative: paths are still confined as a whole by confine.ts
  ['x', allow], // --one-file-system (may repeat)
  ['S', allow], // --sparse
  ['z', allow], // --compress (zlib)
  ['q', allow], // --quiet (cron jobs): the client forwards it; it only silences the server's messages
  ['s', refuse('--secluded-args: the real arguments would travel inside the protocol, unchecked')],
  ['X', refuse('--xattrs: a root receiver would set client-chosen security.capability/trusted.* attributes')],
  ['K', refuse('--keep-dirlinks: the receiver follows symlinked directories, possibly out of the tree')],
  ['L', refuse('--copy-links: the sender follows symlinks, reading files outside the tree')],
  ['k', refuse('--copy-dirlinks: the sender follows symlinked directories out of the tree')],
  ['T', refuse('--temp-dir is only accepted in its long form (the form the client sends)')],
  ['f', refuse('--filter from argv: a merge rule could read any file the server can open')],
  ['F', refuse('-F filter shorthand: filter merge files are never taken from argv')],
  ['M', refuse('--remote-option is a client-side option')],
  ['0', refuse('--from0 only matters with --files-from, which is refused')],
  ['a', notSent], // the client expands -a into its letters
  ['i', notSent], // the client sends --log-format=%i instead
  ['h', notSent],
  ['P', notSent],
  ['V', notSent],
  ['4', notSent],
  ['6', notSent],
  ['8', notSent],
]);

/**
 * Short letters whose value is the rest of the cluster word (popt would otherwise take the next
 * word, which we never allow). Normalised into long options so the rebuilt cluster has no values.
 */
export const SHORT_WITH_VALUE: ReadonlyMap<string, string> = new Map([
  ['B', 'block-size'], // -B<bytes>, sent by the client for --block-size
  ['@', 'modify-window'], // -@<n>, sent by the client for a negative --modify-window
]);

/**
 * The `e` tail: `.` (or a pre-release `PROTOCOL.SUB` version) followed by capability letters in
 * the fixed order server_options() writes them: i inc-recursive, L symlink times, s symlink
 * iconv, f flist I/O-error safety, x no xattr hardlink optimisation, C checksum seed fix,
 * I inplace_partial, v varint flist flags, u uid/gid 0 names. Unknown letters fail closed.
 */
export const CAPABILITIES_RE = /^(?:\.|[1-9][0-9]{1,2}\.[0-9]{1,3})i?L?s?f?x?C?I?v?u?$/;
