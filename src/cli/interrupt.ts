/**
 * Ctrl-C (SIGINT) or SIGTERM (what `kill`, systemd, docker stop and CI send) during training:
 * the first one asks the trainer to stop after the current batch (it then saves a
 * checkpoint); a second one quits at once. `stop` is called on the first, so a progress bar
 * can be cleared before the message. The exit code is the shell's for the signal: 130 for
 * SIGINT, 143 for SIGTERM.
 */
export function catchInterrupt(stop: () => void): { requested: () => boolean; exitCode: () => number; release: () => void } {
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const on = (received: 'SIGINT' | 'SIGTERM') => () => {
    if (signal) process.exit(EXIT_CODES[received]);
    signal = received;
    stop();
    const again = received === 'SIGINT' ? 'Ctrl-C again' : 'SIGTERM again';
    process.stderr.write(`\nnnt: ${received === 'SIGINT' ? '' : 'SIGTERM: '}stopping after this batch (${again} to quit now)\n`);
  };
  const onSigint = on('SIGINT');
  const onSigterm = on('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    requested: () => signal !== undefined,
    exitCode: () => EXIT_CODES[signal ?? 'SIGINT'],
    release: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}

/** 128 + the signal's number, as shells report a process a signal ended. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
