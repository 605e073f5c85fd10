// `zonegate push [TARGET…]`: the cron wrapper (docs/push.md). Exit codes: 0 every target ok,
// 1 some failed, 2 all failed, 75 skipped (the previous run holds the lock), 128+n stopped by signal n,
// 64 usage, 78 config.

import { configOption } from './config-option.js';
import { UsageError } from '../../shared/errors.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface PushArgs {
  config: string;
  targets: string[] | undefined;
  'state-dir': string | undefined;
  'log-dir': string | undefined;
  'lock-file': string | undefined;
  concurrency: number | undefined;
  progress: boolean | undefined;
  json: boolean | undefined;
  'dry-run': boolean | undefined;
}

export const pushCommand: CommandFactory = (setExit) =>
  defineCommand<PushArgs>({
    command: 'push [targets..]',
    describe: 'Push the zone files to the secondaries (the cron job): locked, validated, retried, recorded',
    builder: (yargs) =>
      yargs
        .positional('targets', { type: 'string', array: true, describe: 'target names (default: every target in the config)' })
        .option('config', configOption('the zonegate config file'))
        .option('state-dir', { type: 'string', describe: 'status file, lock and manifests (default push.stateDir, /var/lib/zonegate)' })
        .option('log-dir', { type: 'string', describe: 'run logs (default push.logDir, /var/log/zonegate/push)' })
        .option('lock-file', { type: 'string', describe: 'the no-overlap lock (default <state-dir>/push.lock)' })
        .option('concurrency', { type: 'number', describe: 'attempts running at once (default push.concurrency, 8)' })
        .option('progress', { type: 'boolean', describe: 'live per-target display (default: only when stdout is a terminal)' })
        .option('json', {
          type: 'boolean',
          describe:
            'print the run as one JSON object on stdout: each target with its outcome and where its time went (no progress display)',
        })
        .option('dry-run', {
          type: 'boolean',
          describe:
            "Each secondary receives and checks the push as usual and reports what it would promote (zones, serials), then discards it; nothing goes live (plain trees: rsync's -n). Not recorded in the status file; no alerts",
        })
        .example('$0 push', 'push to every target; silent unless something failed')
        .example('$0 push --dry-run ns2', 'what ns2 would promote, and whether it would refuse the push')
        .example('$0 push ns2 ns3 --config /etc/zonegate/zonegate.conf', 'push to two targets')
        .example('*/5 * * * * root zonegate push', 'the crontab line')
        .epilog(
          'Exit: 0 all targets ok, 1 partial failure, 2 every target failed, 75 skipped (previous run still running), 128+n stopped by signal n, 64 usage, 78 config.',
        ),
    handler: async (args: PushArgs) => {
      const policy = loadPolicy(args.config);
      const overrides = {
        ...(args['state-dir'] === undefined ? {} : { stateDir: args['state-dir'] }),
        ...(args['log-dir'] === undefined ? {} : { logDir: args['log-dir'] }),
        ...(args['lock-file'] === undefined ? {} : { lockFile: args['lock-file'] }),
        ...(args.concurrency === undefined ? {} : { concurrency: Math.max(1, Math.floor(args.concurrency)) }),
      };
      // stdout carries the JSON document then: no progress display in it.
      const json = args.json === true;
      if (json && args.progress === true) throw new UsageError('json-progress', '--json and --progress both write to stdout: choose one');
      const progress = !json && (args.progress ?? process.stdout.isTTY);
      // Loaded here, not at start-up: other commands never pay for pino and the runner.
      const { runPush } = await import('../push/runner.js');
      setExit(
        await runPush({
          policy,
          only: args.targets ?? [],
          overrides,
          progress,
          json,
          stdout: process.stdout,
          stderr: process.stderr,
          dryRun: args['dry-run'] === true,
        }),
      );
    },
  });
