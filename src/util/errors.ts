/** Errors a user can act on: printed as one line, exit code 2, no stack trace. */
export class InputError extends Error {
  constructor(
    readonly file: string | null,
    message: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'InputError';
  }
}

export const EXIT_OK = 0;
/** --fail-under threshold not met */
export const EXIT_THRESHOLD = 1;
/** bad input, bad usage */
export const EXIT_INPUT = 2;
/** a bug of ours */
export const EXIT_INTERNAL = 3;
