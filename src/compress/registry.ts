/** Compressor replicas by the names zswap's `compressor` parameter takes. */
import { COMPRESSOR_NAMES, type CompressorName, type PageCompressor } from './compressor.js';
import { DeflateCompressor } from './deflate.js';
import { Lz4Compressor } from './lz4.js';
import { Lz4hcCompressor } from './lz4hc.js';
import { LzoCompressor, LzoRleCompressor } from './lzo.js';
import { Sw842Compressor } from './sw842.js';
import { ZstdCompressor } from './zstd.js';

const FACTORIES: Record<CompressorName, () => PageCompressor> = {
  lzo: () => new LzoCompressor(),
  'lzo-rle': () => new LzoRleCompressor(),
  lz4: () => new Lz4Compressor(),
  lz4hc: () => new Lz4hcCompressor(),
  zstd: () => new ZstdCompressor(),
  deflate: () => new DeflateCompressor(),
  '842': () => new Sw842Compressor(),
};

export function createCompressor(name: CompressorName): PageCompressor {
  return FACTORIES[name]();
}

export function isCompressorName(s: string): s is CompressorName {
  return (COMPRESSOR_NAMES as readonly string[]).includes(s);
}

/** Upstream Kconfig default first, then the two most common distro choices. */
export const DEFAULT_COMPRESSORS: CompressorName[] = ['lzo', 'lz4', 'zstd'];
