/** Compressor replicas by the names zswap's `compressor` parameter takes. */
import { COMPRESSOR_NAMES, type CompressorName, type PageCompressor } from './compressor.js';
import { DeflateCompressor } from './deflate.js';
import { LzoCompressor, LzoRleCompressor } from './lzo.js';
import { Sw842Compressor } from './sw842.js';
import { ZstdCompressor } from './zstd.js';

const FACTORIES: Partial<Record<CompressorName, () => PageCompressor>> = {
  lzo: () => new LzoCompressor(),
  'lzo-rle': () => new LzoRleCompressor(),
  zstd: () => new ZstdCompressor(),
  deflate: () => new DeflateCompressor(),
  '842': () => new Sw842Compressor(),
};

export function createCompressor(name: CompressorName): PageCompressor {
  const make = FACTORIES[name];
  if (!make) throw new Error(`compressor ${name} is not built in`);
  return make();
}

export function isCompressorName(s: string): s is CompressorName {
  return (COMPRESSOR_NAMES as readonly string[]).includes(s);
}

/** Upstream Kconfig default first, then the two most common distro choices. */
export const DEFAULT_COMPRESSORS: CompressorName[] = ['lzo', 'lz4', 'zstd'];
