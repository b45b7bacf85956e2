/**
 * An error caused by the user's input (a bad file, flag or config), not by a bug in nnt.
 * The CLI prints its message as one line, without a stack trace, and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
