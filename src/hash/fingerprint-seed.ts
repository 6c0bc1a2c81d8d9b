/**
 * The second seed of the 128-bit fingerprint (page-hash.ts fingerprint128(), the module's
 * scanPages()): the 64-bit golden ratio 0x9e3779b97f4a7c15, as u32 words. On its own so that the
 * compression workers, which scan pages, need not load the hashes.
 */
export const FP_SEED_LO = 0x7f4a7c15;
export const FP_SEED_HI = 0x9e3779b9;
