// Short random hex for log refs and temp-file names. Not secret, only unlikely to repeat; it
// avoids loading node:crypto on the gate's start-up path (measured at about 2 ms).
export function randomHex(digits: number): string {
  let out = '';
  while (out.length < digits)
    out += Math.floor(Math.random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, digits);
}
