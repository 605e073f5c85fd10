// `zonegate cron` and `zonegate systemd`: render (or --write) the push job for a primary.

import { join } from 'node:path';
import { lstat } from 'node:fs/promises';
import { UsageError } from '../../shared/errors.js';
import { configOption } from './config-option.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { defaultAdminPath, safePathOption } from '../keys/gate-paths.js';
import * as job from '../jobs/push-job.js';
import { writeNewFile } from '../init/starter-config.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface CommonArgs {
  config: string;
  script: string;
  target: string[] | undefined;
  schedule: string | undefined;
  write: boolean;
  force: boolean;
}

interface RenderedFile {
  path: string;
  text: string;
  mode: number;
  option: string;
}

function pushScript(args: CommonArgs): RenderedFile {
  const config = safePathOption('config', args.config);
  const text = job.renderPushScript({
    policy: loadPolicy(config),
    config,
    node: safePathOption('node', process.execPath),
    zonegate: safePathOption('zonegate', defaultAdminPath()),
    ...(args.target === undefined ? {} : { only: args.target }),
  });
  return { path: safePathOption('script', args.script), text, mode: 0o755, option: '--script' };
}

async function emit(files: RenderedFile[], args: CommonArgs): Promise<void> {
  if (!args.write) {
    process.stdout.write(files.map((file) => `# ==> ${file.path} <==\n${file.text}`).join('\n'));
    return;
  }
  // Check every destination before writing any, so a refusal leaves nothing half-installed.
  if (!args.force) {
    for (const file of files) {
      const exists = await lstat(file.path).then(
        () => true,
        () => false,
      );
      if (exists)
        throw new UsageError(
          'file-exists',
          `${file.option} ${file.path}: already exists; pass --force to replace it (nothing was written)`,
        );
    }
  }
  for (const file of files) await writeNewFile(file.path, file.text, args.force, file.option, file.mode);
  process.stdout.write(files.map((file) => `wrote ${file.path}\n`).join(''));
}

function common<T>(yargs: import('yargs').Argv<T>) {
  return yargs
    .option('config', configOption('Config file (pinned in the script)'))
    .option('script', { type: 'string', default: job.DEFAULT_SCRIPT, describe: 'Where the push script is installed' })
    .option('target', {
      type: 'string',
      array: true,
      describe: 'Push only these targets (default: every target in the config when the job runs)',
    })
    .option('schedule', { type: 'string', describe: 'When to run' })
    .option('write', { type: 'boolean', default: false, describe: 'Write the files instead of printing them' })
    .option('force', { type: 'boolean', default: false, describe: 'With --write: replace existing files' });
}

export const cronCommand: CommandFactory = () =>
  defineCommand<CommonArgs & { crontab: string; user: string; mailto: string }>({
    command: 'cron',
    describe: 'Render the push script (pinned environment, then `zonegate push`) and an /etc/cron.d entry that runs it',
    builder: (yargs) =>
      common(yargs)
        .option('crontab', { type: 'string', default: job.DEFAULT_CRONTAB, describe: 'Where the cron.d file goes (no dot in its name)' })
        .option('user', { type: 'string', default: 'root', describe: 'Account the job runs as' })
        .option('mailto', { type: 'string', default: 'root', describe: 'Who cron mails the failure summary to' })
        .example("$0 cron --schedule '*/5 * * * *'", 'print the script and the cron.d entry')
        .example('$0 cron --write', `install ${job.DEFAULT_SCRIPT} and ${job.DEFAULT_CRONTAB}`),
    handler: async (args) => {
      const script = pushScript(args);
      const crontab = job.renderCrontab({
        schedule: args.schedule ?? '*/5 * * * *',
        user: args.user,
        mailto: args.mailto,
        script: script.path,
      });
      await emit([script, { path: safePathOption('crontab', args.crontab), text: crontab, mode: 0o644, option: '--crontab' }], args);
    },
  });

export const systemdCommand: CommandFactory = () =>
  defineCommand<CommonArgs & { 'unit-dir': string }>({
    command: 'systemd',
    describe: 'Render the push script (pinned environment, then `zonegate push`) and a zonegate-push.service + .timer pair that runs it',
    builder: (yargs) =>
      common(yargs)
        .option('unit-dir', { type: 'string', default: job.DEFAULT_UNIT_DIR, describe: 'Where the units go' })
        .example("$0 systemd --schedule '*:0/5'", 'print the script, service and timer')
        .example('$0 systemd --write && systemctl daemon-reload && systemctl enable --now zonegate-push.timer', 'install and start'),
    handler: async (args) => {
      const script = pushScript(args);
      const dir = safePathOption('unit-dir', args['unit-dir']);
      await emit(
        [
          script,
          {
            path: join(dir, 'zonegate-push.service'),
            text: job.renderSystemdService({ script: script.path }),
            mode: 0o644,
            option: '--unit-dir',
          },
          {
            path: join(dir, 'zonegate-push.timer'),
            text: job.renderSystemdTimer({ schedule: args.schedule ?? '*:0/5' }),
            mode: 0o644,
            option: '--unit-dir',
          },
        ],
        args,
      );
    },
  });
