/**
 * zstd as zswap gets it from crypto/zstd.c (6.12): zstd_get_params(3, 0) — the level-3 row for an
 * unknown source size — set explicitly on the context, content size 4096 pledged, no checksum,
 * then ZSTD_compress2. zstd shrinks the window/hash/chain logs itself for a 4 KiB input.
 *
 * The kernel carries zstd 1.5.2; libzstd 1.5.4–1.5.6 with this explicit parameter set emits the
 * same frames (zstd-napi 0.0.8 bundles 1.5.6). We give the library an 8 KiB output buffer, more
 * than ZSTD_compressBound(4096): a page whose frame exceeds 4096 bytes is one the kernel's
 * bounded call fails on (-EINVAL). Block compression does not depend on the output capacity, so
 * both rules select the same pages.
 */
import type { PageCompressor } from './compressor.js';
import { DST_BUFFER_SIZE, EINVAL, PAGE_SIZE } from '../model/kernel.js';
import { zstdBinding } from './zstd-binding.js';

const LEVEL = 3;
const WINDOW_LOG = 21;
const CHAIN_LOG = 16;
const HASH_LOG = 17;
const SEARCH_LOG = 1;
const MIN_MATCH = 5;
const TARGET_LENGTH = 0;

export class ZstdCompressor implements PageCompressor {
  readonly name = 'zstd' as const;
  private readonly cctx: InstanceType<ReturnType<typeof zstdBinding>['CCtx']>;

  constructor() {
    const binding = zstdBinding();
    this.cctx = new binding.CCtx();
    const p = binding.CParameter;
    const c = this.cctx;
    c.setParameter(p.compressionLevel, LEVEL);
    c.setParameter(p.windowLog, WINDOW_LOG);
    c.setParameter(p.chainLog, CHAIN_LOG);
    c.setParameter(p.hashLog, HASH_LOG);
    c.setParameter(p.searchLog, SEARCH_LOG);
    c.setParameter(p.minMatch, MIN_MATCH);
    c.setParameter(p.targetLength, TARGET_LENGTH);
    c.setParameter(p.strategy, binding.Strategy.dfast);
    c.setParameter(p.contentSizeFlag, 1);
    c.setParameter(p.checksumFlag, 0);
    c.setParameter(p.dictIDFlag, 1);
  }

  private readonly scratch = new Uint8Array(DST_BUFFER_SIZE);

  compress(page: Uint8Array, dst: Uint8Array | null): number {
    const len = this.cctx.compress2(dst ?? this.scratch, page);
    return len <= PAGE_SIZE ? len : -EINVAL;
  }
}
