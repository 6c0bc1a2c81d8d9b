/**
 * Which pages go to zswap at each sample, and which come back (the reclaim policies of issue 10):
 *   all           every live anonymous page: the snapshot (`analyze` without a timeline)
 *   idle:<s>      proactive reclaim of pages idle at least s seconds (senpai/TMO-style controllers)
 *   limit:<size>  at most <size> of anonymous memory resident; the coldest pages go first
 *   recorded      what the recorded kernel did: pages it swapped out (SWAPPED) go, those it swapped
 *                 in come back (the proof against the kernel replays this)
 * A page the modelled kernel swapped out that the recording shows accessed since (its idle age
 * is below the time it has been out, or its content changed) is loaded back.
 */
export type ReclaimPolicy =
  | { readonly kind: 'all' }
  | { readonly kind: 'idle'; readonly seconds: number }
  | { readonly kind: 'limit'; readonly pages: number; readonly bytes: number }
  | { readonly kind: 'recorded' };

export function describeReclaimPolicy(p: ReclaimPolicy): string {
  switch (p.kind) {
    case 'idle':
      return `idle:${p.seconds}`;
    case 'limit':
      return `limit:${p.bytes}`;
    default:
      return p.kind;
  }
}
