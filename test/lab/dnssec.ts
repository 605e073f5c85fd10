// Signed zones for the DNSSEC guard's tests, made by the real tools: dnssec-keygen (one KSK and one
// ZSK per zone, ECDSA P-256, kept in a key directory so every version of a zone is signed by the
// same keys) and dnssec-signzone, whose signatures expire exactly when the test says.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.js';
import { bindTool } from './tools.js';

export interface SigningOptions {
  /** The key directory (made if missing); a zone's keys are generated on first use. */
  keyDir: string;
  /** Seconds from now until every signature expires (more than 0). */
  expiresIn: number;
}

async function ensureKeys(zone: string, keyDir: string): Promise<void> {
  mkdirSync(keyDir, { recursive: true });
  if (readdirSync(keyDir).some((file) => file.startsWith(`K${zone}.+`))) return;
  const keygen = bindTool('dnssec-keygen');
  for (const flags of [['-f', 'KSK'], []]) {
    const result = await run(keygen, ['-q', '-K', keyDir, '-a', 'ECDSAP256SHA256', ...flags, zone]);
    if (result.exitCode !== 0) throw new Error(`dnssec-keygen ${zone} failed: ${result.stderr}`);
  }
}

/** The zone text signed: DNSKEYs, NSEC chain and RRSIGs valid from an hour ago until `expiresIn` from now. */
export async function signZone(zone: string, text: string, options: SigningOptions): Promise<string> {
  await ensureKeys(zone, options.keyDir);
  const work = mkdtempSync(join(options.keyDir, 'sign-'));
  try {
    writeFileSync(join(work, 'in'), text);
    if (!(options.expiresIn > 0)) throw new Error(`expiresIn must be more than 0: ${String(options.expiresIn)}`);
    // -s an hour back, so a signature made to expire soon is still valid (not yet expired) now.
    const result = await run(bindTool('dnssec-signzone'), [
      '-q',
      '-K',
      options.keyDir,
      '-S',
      '-o',
      zone,
      '-s',
      'now-3600',
      '-e',
      `now+${String(options.expiresIn)}`,
      // dsset-ZONE. would land in the current directory (the checkout) without -d.
      '-d',
      work,
      '-f',
      join(work, 'out'),
      join(work, 'in'),
    ]);
    if (result.exitCode !== 0) throw new Error(`dnssec-signzone ${zone} failed: ${result.stderr}`);
    return readFileSync(join(work, 'out'), 'utf8');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The signed text with one record's data changed after signing: its RRSIG no longer matches. */
export function tamperRecord(signed: string, from: RegExp, to: string): string {
  if (!from.test(signed)) throw new Error(`nothing to tamper with: ${String(from)}`);
  return signed.replace(from, to);
}
