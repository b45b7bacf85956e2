/**
 * Ctrl-C during training: the first one asks the trainer to stop after the current batch
 * (it then saves a checkpoint); a second one quits at once. `stop` is called on the first,
 * so a progress bar can be cleared before the message.
 */
export function catchInterrupt(stop: () => void): { requested: () => boolean; release: () => void } {
  let requested = false;
  const onSigint = () => {
    if (requested) process.exit(130);
    requested = true;
    stop();
    process.stderr.write('\nnnt: stopping after this batch (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  return { requested: () => requested, release: () => process.off('SIGINT', onSigint) };
}
