// Fills the plain files in templates/. Every {{name}} value goes through shellQuote(); the only
// other kind of value is Verbatim, which is either text this function rendered itself (already
// quoted) or a value that matched a strict pattern of characters that need no quoting (a cron
// schedule cannot be quoted). A placeholder without a value, or a value without a placeholder, is
// an error, so a renamed placeholder never ships as literal {{text}}.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { shellQuote } from './shell-quote.js';
import { templatesDirectory } from '../init/starter-config.js';

export class Verbatim {
  private constructor(readonly text: string) {}

  /** Text rendered by fillTemplate itself. */
  static rendered(text: string): Verbatim {
    return new Verbatim(text);
  }

  /** A value that needs no quoting because it matched `pattern` (which must exclude quotes and newlines). */
  static checked(value: string, pattern: RegExp | ((value: string) => boolean), field: string, what: string): Verbatim {
    const matches = typeof pattern === 'function' ? pattern(value) : pattern.test(value);
    if (!matches || /[\0-\x1f\x7f'"\\`$;&|<>]/.test(value)) {
      throw new UsageError('unsafe-value', `${field}: ${JSON.stringify(value)} is not ${what}`);
    }
    return new Verbatim(value);
  }
}

export type TemplateValue = string | Verbatim;

const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9_]*)\}\}/g;

export function readTemplate(name: string): string {
  return readFileSync(join(templatesDirectory(), name), 'utf8');
}

export function fillTemplate(name: string, template: string, values: Readonly<Record<string, TemplateValue>>): string {
  const used = new Set<string>();
  const filled = template.replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new UsageError('template-placeholder', `templates/${name}: no value for placeholder {{${key}}}`);
    used.add(key);
    return value instanceof Verbatim ? value.text : shellQuote(value, key);
  });
  // Braces the pattern did not take (a typo such as {{ name }} or {{name}) are leftovers too.
  const leftover = /\{\{[^}\n]*\}?\}?/.exec(template.replace(PLACEHOLDER, ''));
  if (leftover) throw new UsageError('template-placeholder', `templates/${name}: malformed placeholder ${JSON.stringify(leftover[0])}`);
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0)
    throw new UsageError('template-placeholder', `templates/${name}: values without a placeholder: ${unused.join(', ')}`);
  return filled;
}

export function renderTemplate(name: string, values: Readonly<Record<string, TemplateValue>>): string {
  return fillTemplate(name, readTemplate(name), values);
}
