// Runs a helper program (checker, rndc, ldns-verify-zone) with an argv array, no shell, a fixed
// environment and a time limit, collecting its output. Used only after rsync has finished, so the
// gate's stdout (the protocol stream) is never touched: output is piped.

export interface CommandResult {
  status: number | null;
  output: string;
  error: string | undefined;
  /** The time limit ended it (its process group was killed). */
  timedOut?: boolean;
  /** The output ran past maxOutput: what is kept is its whole lines up to there. */
  truncated?: boolean;
}

const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
/** From SIGTERM to SIGKILL at the time limit. */
const KILL_GRACE_MS = 2000;

/** Output is kept up to `maxOutput` chars (a batch checker reports on hundreds of zones). */
export interface CommandOptions {
  maxOutput?: number;
}

/**
 * At `timeoutMs` the helper gets SIGTERM, SIGKILL after a grace, and its pipes are closed: the gate
 * holds the zone set's lock meanwhile, so neither a helper that ignores SIGTERM nor a child it left
 * behind holding its output may keep it waiting. The helper stays in the gate's process group, so
 * whatever ends the gate's group (sshd, an admin, a test) ends its helpers too.
 */
export async function runCommand(argv: readonly string[], timeoutMs = 30_000, options: CommandOptions = {}): Promise<CommandResult> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      resolve({ status: null, output: '', error: 'empty command' });
      return;
    }
    const { maxOutput = 64 * 1024 } = options;
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    let timedOut = false;
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      hardKill = setTimeout(() => {
        child.kill('SIGKILL');
        // A child it left behind may still hold the pipes: stop reading them, so 'close' comes.
        child.stdout.destroy();
        child.stderr.destroy();
      }, KILL_GRACE_MS);
    }, timeoutMs);
    // stderr first, then stdout, whatever order they arrived in: a checker that reports on both
    // (nsd-checkzone: the error on stderr, its count on stdout) then always reads the same way.
    const streams = { err: '', out: '' };
    let truncated = false;
    // Kept up to maxOutput exactly, wherever the pipe split the output, so the cut is the same on
    // every run; past it nothing is kept (the helper still runs to its end).
    const collect =
      (which: 'err' | 'out') =>
      (chunk: Buffer): void => {
        const room = maxOutput - streams.err.length - streams.out.length;
        const text = chunk.toString('utf8');
        if (text.length > room) truncated = true;
        if (room > 0) streams[which] += text.length > room ? text.slice(0, room) : text;
      };
    child.stdout.on('data', collect('out'));
    child.stderr.on('data', collect('err'));
    // attack: a line cut at the cap ("loaded serial 2026112601" kept as "loaded serial 2026") reads
    // as a whole line saying something else; so a capped stream keeps only its whole lines.
    const whole = (text: string): string => (truncated ? text.slice(0, text.lastIndexOf('\n') + 1) : text);
    const output = (): string => whole(streams.err) + whole(streams.out);
    const done = (result: CommandResult): void => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      resolve(result);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      done({ status: null, output: output(), error: error.code ?? error.message, timedOut, ...(truncated ? { truncated } : {}) });
    });
    child.once('close', (status, signal) => {
      const limit = `timed out after ${String(timeoutMs / 1000)} s`;
      const error = timedOut
        ? signal === null
          ? limit
          : `${limit} (killed by ${signal})`
        : signal === null
          ? undefined
          : `killed by ${signal}`;
      done({ status: timedOut ? null : status, output: output(), error, timedOut, ...(truncated ? { truncated } : {}) });
    });
  });
}

/** Runs tasks with at most `limit` at once, keeping the order of results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
