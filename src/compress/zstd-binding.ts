/**
 * zstd-napi's native binding (libzstd), loaded the first time zstd is used: every other
 * compressor, --help and the dump readers work when it is missing (npm's install scripts
 * skipped: `npm ci --ignore-scripts`), and zstd alone gives a one-line error, exit 2.
 */
import { createRequire } from 'node:module';
import { InputError } from '../util/errors.js';

type Binding = typeof import('zstd-napi/binding.js');

let binding: Binding | null = null;

export function zstdBinding(): Binding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;
  } catch {
    throw new InputError(null, 'zstd needs the zstd-napi binding (libzstd), which is not built here (were npm\'s install scripts skipped?): run `npm rebuild zstd-napi`, or leave zstd out (-c lzo,lz4)');
  }
  return binding;
}
