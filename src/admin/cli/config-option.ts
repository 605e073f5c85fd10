// The --config option every command shares: its default is $ZONEGATE_CONFIG when set (a host whose
// config lives elsewhere, or a test), else /etc/zonegate/zonegate.conf.

import { DEFAULT_CONFIG_PATH } from '../../shared/policy/types.js';

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['ZONEGATE_CONFIG'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CONFIG_PATH;
}

export function configOption(describe = 'the zonegate config file'): {
  type: 'string';
  default: string;
  defaultDescription: string;
  describe: string;
} {
  return { type: 'string', default: defaultConfigPath(), defaultDescription: `$ZONEGATE_CONFIG, else ${DEFAULT_CONFIG_PATH}`, describe };
}
