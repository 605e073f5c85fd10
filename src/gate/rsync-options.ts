// Allowlist of the long options an rsync client puts on the server's command line, recorded from
// the real client (test/fixtures/rsync-client-commands.json) and options.c server_options().
// Names must match exactly: popt would accept a unique prefix, we never do. An option missing
// here is refused as unknown. Short letters live in rsync-short-options.ts.
//
//   allow   understood and harmless; a value must match `value` in full
//   delete  removes files: accepted only where the matching rule allows deletes
//   path    names a directory rsync resolves relative to the destination: accepted only as a
//           relative, normalized path without `..` (checked by the parser)
//   refuse  understood but dangerous or never sent by a real client: `why` says which

import { DEBUG_WORDS, flagListPattern, INFO_WORDS } from './rsync-flag-words.js';

export type OptionKind = 'allow' | 'delete' | 'path' | 'refuse';

export interface LongOption {
  kind: OptionKind;
  /** Present iff the option takes a value (`--name=value`); for `refuse`, a well-formed value is refused, any other is malformed. */
  value?: RegExp;
  /** For integers: the inclusive range rsync itself accepts (its own checks, or the C type). */
  range?: readonly [number, number];
  /** The client sends this one as two words, `--name VALUE` ("~/path" idiom in safe_arg()). */
  split?: true;
  /** The client only sends it in this direction; the other way is malformed. */
  only?: 'upload' | 'download';
  why?: string;
}

const INT = /^[0-9]{1,9}$/;
const SIGNED = /^-?[0-9]{1,9}$/;
const BYTES = /^[0-9]{1,19}$/; // the client normalises --min/max-size to a byte count
const PATH = /^[^\0]{1,4096}$/; // shape only; parser confines it lexically

const flag = (only?: 'upload' | 'download'): LongOption => (only ? { kind: 'allow', only } : { kind: 'allow' });
const valued = (value: RegExp, only?: 'upload' | 'download'): LongOption =>
  only ? { kind: 'allow', value, only } : { kind: 'allow', value };
const ranged = (value: RegExp, range: readonly [number, number], only?: 'upload' | 'download'): LongOption => ({
  ...valued(value, only),
  range,
});
const del = (only?: 'upload'): LongOption => (only ? { kind: 'delete', only } : { kind: 'delete' });
const dir = (only?: 'upload'): LongOption =>
  only ? { kind: 'path', value: PATH, split: true, only } : { kind: 'path', value: PATH, split: true };
const refuse = (why: string): LongOption => ({ kind: 'refuse', why });
const clientOnly = refuse('a client-side option the rsync client never sends to the server');

export const LONG_OPTIONS: ReadonlyMap<string, LongOption> = new Map<string, LongOption>([
  // --- harmless behaviour switches the client sends ---
  ['delay-updates', flag('upload')], // updated files wait in .~tmp~ inside the destination tree
  ['partial', flag('upload')], // keep partial files in place
  ['inplace', flag()], // write destination files directly
  ['append', flag()], // sent twice for --append-verify
  ['list-only', flag('download')], // listing only: the client sends it on a push too, where it means nothing
  ['numeric-ids', flag()],
  ['stats', flag('upload')],
  ['size-only', flag('upload')],
  ['fsync', flag('upload')],
  ['preallocate', flag('upload')],
  ['open-noatime', flag()],
  ['mkpath', flag('upload')], // creates missing parents of the (confined) destination
  ['no-implied-dirs', flag()], // with -R
  ['no-r', flag()], // sent with -d --delete so the server knows recursion is off
  ['new-compress', flag()], // --zc=zlibx
  ['old-compress', flag()], // --zc=zlib
  ['existing', flag('upload')], // --ignore-non-existing, old spelling the client sends
  ['ignore-existing', flag('upload')],
  ['safe-links', flag()], // ignores symlinks pointing out of the tree: only makes things safer
  ['specials', flag()], // -a --no-D --specials (uploads still get --drop-D)
  ['no-specials', flag()],
  ['msgs2stderr', flag()], // --stderr=all
  ['no-msgs2stderr', flag()], // --stderr=client
  ['ignore-errors', flag()], // deletes still need a delete option, which the rule must allow
  ['ignore-missing-args', flag('download')],
  // --- options with values, each with a strict shape ---
  ['timeout', valued(/^[0-9]{1,6}$/)],
  ['bwlimit', valued(INT)], // the client converts any unit to KiB
  ['block-size', ranged(INT, [0, 131072])], // from -B<n>; rsync refuses more than MAX_BLOCK_SIZE (128 KiB)
  ['modify-window', valued(SIGNED, 'upload')], // from -@<n>
  // Any algorithm's range here (zstd's -131072..22); rsync-args.ts narrows it once the choice is known.
  ['compress-level', ranged(/^-?[0-9]{1,6}$/, [-131072, 22])],
  ['checksum-choice', valued(/^[a-z0-9]{1,16}(?:,[a-z0-9]{1,16})?$/)],
  ['compress-choice', valued(/^(?:zstd|lz4|none)$/)], // zlib and zlibx travel as --old/--new-compress
  ['checksum-seed', valued(INT)],
  ['min-size', valued(BYTES, 'upload')],
  ['max-size', valued(BYTES, 'upload')],
  // 0 would lift the allocation cap (CVE-2026-53794), hence no leading zero.
  ['max-alloc', valued(/^[1-9][0-9]{0,12}(?:\.[0-9]{1,3})?[KMGkmg]?$/)],
  ['log-format', valued(/^(?:%i%I|%i|%o|X)$/, 'upload')], // only tells the receiver what to report
  ['usermap', valued(/^[A-Za-z0-9_.*?:,@+-]{1,512}$/, 'upload')], // also --chown (as \*:user)
  ['groupmap', valued(/^[A-Za-z0-9_.*?:,@+-]{1,512}$/, 'upload')],
  ['suffix', valued(/^[A-Za-z0-9._~+,=@%-]{0,32}$/)], // no '/': a backup name stays beside its file
  ['skip-compress', valued(/^[A-Za-z0-9/*?[\]]{1,512}$/, 'download')],
  // Sent with -i, --progress, --stats and --info=…: chooses the messages the server sends to the client.
  ['info', valued(flagListPattern(INFO_WORDS))],
  // --- deletes ---
  ['delete', del('upload')],
  ['del', del('upload')],
  ['delete-before', del('upload')],
  ['delete-during', del('upload')], // what the client sends for --del
  ['delete-delay', del('upload')],
  ['delete-after', del('upload')],
  ['delete-excluded', del('upload')],
  ['force', del('upload')], // deletes non-empty directories that are replaced or extraneous
  ['delete-missing-args', del()], // a pull with it makes the client delete its own copies
  ['remove-source-files', del()], // on a pull the server (the sender) unlinks what it sent
  ['remove-sent-files', del()], // old name of the same
  // A limit on deletes only means something where deletes are allowed; -1 is the client's
  // --max-delete=0 ("delete nothing"), INT_MAX is rsync's own bound.
  ['max-delete', { kind: 'delete', value: /^(?:-1|[0-9]{1,10})$/, range: [-1, 2147483647], only: 'upload' }],
  // --- directories resolved relative to the destination (sent as two words) ---
  ['partial-dir', dir('upload')],
  ['backup-dir', dir()],
  ['temp-dir', dir('upload')],
  ['compare-dest', dir('upload')],
  ['copy-dest', dir('upload')],
  ['link-dest', dir('upload')],
  // --- understood and refused ---
  ['secluded-args', refuse('arguments would travel inside the protocol, where the gate cannot see them')],
  ['protect-args', refuse('old name of --secluded-args')],
  ['daemon', refuse('would start an rsync daemon')],
  ['config', refuse('names a daemon config file')],
  ['rsh', refuse('names a program to run (only the -e capability tail is accepted)')],
  ['rsync-path', refuse('names a program to run')],
  ['log-file', refuse('writes a file chosen by the client')],
  ['log-file-format', refuse('only meaningful with --log-file')],
  ['write-batch', refuse('writes a batch file chosen by the client')],
  ['only-write-batch', refuse('batch mode: the server must transfer, not record')],
  ['read-batch', refuse('reads a batch file chosen by the client')],
  ['files-from', refuse('reads a file list (a server file, or "-" from the protocol) the gate cannot confine')],
  ['from0', refuse('only meaningful with --files-from')],
  ['include-from', refuse('reads a server-side file chosen by the client')],
  ['exclude-from', refuse('reads a server-side file chosen by the client')],
  ['filter', refuse('a merge rule reads a server-side file chosen by the client')],
  ['include', refuse('filter rules travel in the protocol; never taken from argv')],
  ['exclude', refuse('filter rules travel in the protocol; never taken from argv')],
  // Never sent by the client (the sweep: no --debug word reaches the server); only -M sends it.
  [
    'debug',
    {
      kind: 'refuse',
      value: flagListPattern(DEBUG_WORDS),
      why: 'debug traces echo file-derived text, e.g. filter merge files (rsync 3.5 NEWS)',
    },
  ],
  ['copy-as', refuse('switches the user rsync writes as')],
  ['insecure-links', refuse('turns off rsync 3.5 symlink defences for operator paths')],
  ['confine-root', refuse('the gate sets the confinement root itself')],
  ['munge-links', refuse('the gate adds it itself; on a sender it would unmunge links')],
  ['copy-links', refuse('follows symlinks out of the tree')],
  ['copy-dirlinks', refuse('follows symlinked directories out of the tree')],
  ['keep-dirlinks', refuse('the receiver follows symlinked directories out of the tree')],
  ['copy-unsafe-links', refuse('a sender copies the targets of symlinks that leave the tree')],
  ['copy-devices', refuse('reads device contents')],
  ['write-devices', refuse('writes file data into device nodes')],
  ['devices', refuse('device nodes are never created from client data')],
  ['super', refuse('asks the receiver for super-user actions (chown, devices)')],
  ['fake-super', refuse('stores privileged attributes in xattrs; not for zone files')],
  ['xattrs', refuse('a root receiver would set client-chosen security/trusted xattrs')],
  ['chmod', refuse('client-side; would let the client force setuid bits on the server')],
  ['chown', refuse('client-side; the client sends --usermap/--groupmap instead')],
  ['iconv', refuse('converts file names after the gate checked them')],
  ['remote-option', refuse('client-side')],
  ['out-format', refuse('client-side; the client sends --log-format')],
  ['stderr', refuse('client-side; the client sends --msgs2stderr')],
  ['trust-sender', refuse('client-side safety switch')],
  ['old-args', refuse('client-side')],
  ['protocol', refuse('client-side; the protocol is negotiated in-band')],
  ['compress-threads', refuse('client-side; unbounded threads on the server')],
  ['stop-after', clientOnly],
  ['stop-at', clientOnly],
  ['password-file', clientOnly],
  ['early-input', clientOnly],
  ['address', clientOnly],
  ['port', clientOnly],
  ['sockopts', clientOnly],
  ['blocking-io', clientOnly],
  ['outbuf', clientOnly],
  ['contimeout', clientOnly],
  ['no-motd', clientOnly],
  ['progress', clientOnly],
  ['itemize-changes', clientOnly],
  ['human-readable', clientOnly],
  ['8-bit-output', clientOnly],
  ['version', clientOnly],
  ['help', clientOnly],
]);
