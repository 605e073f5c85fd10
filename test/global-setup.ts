import { execFileSync } from 'node:child_process';

// Integration tests spawn the built bin/ entries, and the demo test the compiled demo (build/), so
// build both once before any suite runs.
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'build:scripts'], { stdio: 'inherit' });
}
