import { execFileSync } from 'node:child_process';

// Integration tests spawn the built bin/ entries, so build once before any suite runs.
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
