// The flag words of `--info=` and `--debug=`, as `rsync --info=help` and `rsync --debug=help` list
// them, with the highest level each one names (test/unit/rsync-option-sweep.test.ts fails when the
// installed rsync lists other words or levels). The client sends the words upper-cased and
// comma-separated, with an optional level digit (`--info=NAME,STATS2`); 0 silences a word.

/** `rsync --info=help`: word -> highest level. */
export const INFO_WORDS: ReadonlyMap<string, number> = new Map([
  ['BACKUP', 1],
  ['COPY', 1],
  ['DEL', 1],
  ['FLIST', 2],
  ['MISC', 2],
  ['MOUNT', 1],
  ['NAME', 2],
  ['NONREG', 1],
  ['PROGRESS', 2],
  ['REMOVE', 1],
  ['SKIP', 2],
  ['STATS', 3],
  ['SYMSAFE', 1],
]);

/** `rsync --debug=help`: word -> highest level. */
export const DEBUG_WORDS: ReadonlyMap<string, number> = new Map([
  ['ACL', 1],
  ['BACKUP', 2],
  ['BIND', 1],
  ['CHDIR', 1],
  ['CONNECT', 2],
  ['CMD', 2],
  ['DEL', 3],
  ['DELTASUM', 4],
  ['DUP', 1],
  ['EXIT', 3],
  ['FILTER', 3],
  ['FLIST', 4],
  ['FUZZY', 2],
  ['GENR', 1],
  ['HASH', 1],
  ['HLINK', 3],
  ['ICONV', 2],
  ['IO', 4],
  ['NSTR', 1],
  ['OWN', 2],
  ['PROTO', 1],
  ['RECV', 1],
  ['SEND', 1],
  ['TIME', 2],
]);

/** The client caps `all9` at ALL4 (rsync's highest output level); NONE takes no level. */
const ALL_MAX = 4;

/** A full-match pattern for a comma-separated list of `WORD[level]` from `words`, plus ALL and NONE. */
export function flagListPattern(words: ReadonlyMap<string, number>): RegExp {
  const one = [...words].map(([word, max]) => `${word}[0-${String(max)}]?`);
  one.push(`ALL[0-${String(ALL_MAX)}]?`, 'NONE');
  const item = `(?:${one.join('|')})`;
  return new RegExp(`^${item}(?:,${item}){0,63}$`);
}
