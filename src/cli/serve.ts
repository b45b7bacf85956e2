import { spawn } from 'node:child_process';
import { startServer } from '../serve/server';
import { DEFAULT_CONFIG } from './train';
import { checkThreads, overridden } from './run-config';
import { validateConfig } from '../io/config';
import { UserError } from '../errors';

export interface ServeFlags {
  config?: string;
  weights?: string;
  port?: number;
  host?: string;
  open?: boolean;
  epochs?: number;
  limit?: number;
  out?: string;
  backend?: 'auto' | 'wasm' | 'native' | 'ts';
  threads?: number;
}

/**
 * `nnt serve`: the local page. Runs until Ctrl-C, which stops a training run (it checkpoints,
 * as `nnt train` does on Ctrl-C) and then the server; closing the page leaves both running.
 */
export async function run(flags: ServeFlags): Promise<void> {
  const file = flags.config ?? DEFAULT_CONFIG;
  const config = validateConfig(overridden(file, flags), file);
  checkThreads(config.training.threads, file);
  if (flags.host !== undefined && !isLoopback(flags.host)) {
    process.stderr.write(`nnt: warning: serving on ${flags.host}: anyone who can reach it can start training and write files under ${config.output.weights}'s folder\n`);
  }
  const server = await startServer({ config, where: file, weights: flags.weights, host: flags.host, port: flags.port }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UserError(`port ${flags.port} on ${flags.host ?? '127.0.0.1'} is in use (leave out --port for a free one)`);
    if (error.code === 'EADDRNOTAVAIL') throw new UserError(`--host ${flags.host}: no such address on this machine`);
    throw error;
  });
  process.stdout.write(`nnt serve: ${server.url}\n`);
  process.stdout.write(`weights: ${server.weightsSource}; training config: ${file} → ${config.output.weights}\n`);
  process.stdout.write('Ctrl-C stops training (with a checkpoint) and the server\n');
  if (flags.open) openBrowser(server.url);

  // Ctrl-C, or SIGTERM (kill, systemd, docker stop): stop training with a checkpoint, then the server.
  let closing = false;
  const shutDown = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (closing) process.exit(signal === 'SIGINT' ? 130 : 143);
    closing = true;
    process.stderr.write(`\nnnt: ${signal === 'SIGINT' ? '' : 'SIGTERM: '}stopping (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit now)\n`);
    server.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`nnt: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutDown('SIGINT'));
  process.on('SIGTERM', shutDown('SIGTERM'));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The system's opener, with the URL as one argument (no shell). */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`nnt: could not open a browser (${command}); open ${url}\n`));
  child.unref();
}
