// Parsers for rsync's own help texts, shared by scripts/sweep-rsync-options.ts and the test that
// checks the option table against the installed rsync (test/unit/rsync-option-sweep.test.ts).

/**
 * The options of `rsync --help`, one per help line, named by the line's first spelling:
 * `--block-size=SIZE, -B` -> { name: '--block-size', value: 'SIZE', aliases: ['-B'] }.
 */
export interface HelpOption {
  name: string;
  value?: string;
  aliases: string[];
}

export interface FlagWord {
  word: string;
  max: number;
}

export function parseHelpOptions(help: string): HelpOption[] {
  const start = help.indexOf('\nOptions\n');
  if (start < 0) throw new Error('rsync --help has no "Options" section');
  const options: HelpOption[] = [];
  for (const line of help.slice(start).split('\n')) {
    if (!line.startsWith('-')) continue;
    const names = (line.split(/ {2,}/)[0] ?? '').replace(/ \(\*\)$/, '').split(', ');
    const [first = '', ...aliases] = names;
    const eq = first.indexOf('=');
    options.push({
      name: eq < 0 ? first : first.slice(0, eq),
      ...(eq < 0 ? {} : { value: first.slice(eq + 1) }),
      aliases,
    });
  }
  return options;
}

/**
 * The flag words of `rsync --info=help` or `--debug=help` with the highest level each names
 * ("(levels 1-3)", or numbered "1) … 2) …" descriptions); ALL, NONE and HELP are not flags.
 */
export function parseFlagWords(help: string): FlagWord[] {
  const words: FlagWord[] = [];
  for (const line of help.split('\n')) {
    const match = /^([A-Z0-9]+) {2,}(.*)$/.exec(line);
    const word = match?.[1];
    const text = match?.[2] ?? '';
    if (word === undefined || ['ALL', 'NONE', 'HELP'].includes(word)) continue;
    const levels = /levels 1-([0-9])/.exec(text);
    const numbered = [...text.matchAll(/([0-9])\)/g)].map((m) => Number(m[1]));
    words.push({ word, max: levels ? Number(levels[1]) : Math.max(1, ...numbered) });
  }
  return words;
}
