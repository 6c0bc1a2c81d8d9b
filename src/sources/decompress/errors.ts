/** A compressed block that does not decompress to what its container promised. */
export class DecompressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecompressError';
  }
}
