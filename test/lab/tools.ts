import { accessSync, constants } from 'node:fs';

/** Fails (never skips) when a real program the test needs is missing, with the line that installs it. */
export function requireTool(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing; this test uses the real program: apt-get install -y ${debianPackage}`);
  }
  return path;
}
