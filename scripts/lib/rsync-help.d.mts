export interface HelpOption {
  name: string;
  value?: string;
  aliases: string[];
}
export interface FlagWord {
  word: string;
  max: number;
}
export function parseHelpOptions(help: string): HelpOption[];
export function parseFlagWords(help: string): FlagWord[];
