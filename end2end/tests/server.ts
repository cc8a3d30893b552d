// Starts and stops the real `natter` binary for a test, with its own data folder.
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = process.env.NATTER_BIN ?? path.join(root, 'target', 'debug', 'natter');
const siteRoot = process.env.NATTER_SITE_ROOT ?? path.join(root, 'target', 'site');

export class NatterServer {
  url = '';
  private child?: ChildProcess;
  readonly dataDir = mkdtempSync(path.join(tmpdir(), 'natter-e2e-'));

  /** `extraArgs` go to every start, e.g. `['--transports', 'polling']`. */
  constructor(private readonly extraArgs: string[] = []) {}

  /** Starts on `addr` (a free port by default) and resolves once it listens. */
  async start(addr = '127.0.0.1:0'): Promise<void> {
    const child = spawn(bin, ['--addr', addr, '--data-dir', this.dataDir, '--site-root', siteRoot, ...this.extraArgs], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error('natter did not start within 30 s')), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const m = buffer.match(/listening on (http:\/\/[^\s]+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`natter exited early with ${code}`)));
    });
    // Keep reading so the server never blocks on a full pipe.
    child.stdout!.on('data', () => {});
  }

  /** Kills the process at once, as a crash would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Starts again on the same port with the same data. */
  async restart(): Promise<void> {
    const addr = new URL(this.url).host;
    await this.kill();
    await this.start(addr);
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
