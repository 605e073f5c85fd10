// Asking a lab named what it serves, with dig: one zone's SOA serial, or many zones' serials with one
// dig process (dig takes several queries on one command line).
import { spawn } from 'node:child_process';
import { execa } from 'execa';

/** The SOA serial dig sees with `digArgs` (server, port, source); undefined when the answer has none (REFUSED, SERVFAIL). */
export async function soaSerial(dig: string, zone: string, digArgs: readonly string[]): Promise<number | undefined> {
  const result = await execa(dig, ['+short', '+norecurse', '+time=1', '+tries=1', 'SOA', zone, ...digArgs], {
    reject: false,
    timeout: 10_000,
  });
  // dig exits 0 for REFUSED/SERVFAIL (no SOA printed) and 9 when nothing answered at all.
  if (result.exitCode !== 0) throw new Error(`dig SOA ${zone} failed (${String(result.exitCode)}): ${result.stdout}${result.stderr}`);
  for (const line of result.stdout.split('\n')) {
    const match = /^\S+ \S+ (\d+) \d+ \d+ \d+ \d+$/.exec(line.trim());
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

/** Map zone -> serial for the `zones` that answered with an SOA, asked in one dig process. */
export function servedSerials(dig: string, port: number, source: string, zones: readonly string[]): Promise<Map<string, number>> {
  const args = ['+noall', '+answer', '+norecurse', '+time=2', '+tries=1', '-p', String(port), '-b', source, '@127.0.0.1'];
  for (const zone of zones) args.push(zone, 'SOA');
  return new Promise((resolve, reject) => {
    const child = spawn(dig, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.stderr.on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('close', (status) => {
      if (status !== 0 && status !== 9) {
        reject(new Error(`dig failed (exit ${String(status)}): ${err}${out}`));
        return;
      }
      const served = new Map<string, number>();
      for (const line of out.split('\n')) {
        const words = line.trim().split(/\s+/);
        if (words[3] === 'SOA' && words.length >= 7 && words[0] !== undefined)
          served.set(words[0].replace(/\.$/, '').toLowerCase(), Number(words[6]));
      }
      resolve(served);
    });
  });
}
