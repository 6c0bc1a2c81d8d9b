import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../src/hash/crc32c.js';
import { jhash2 } from '../src/hash/jhash2.js';
import { xxh32, xxh64 } from '../src/hash/xxhash.js';
import { randomBytes } from './helpers/random.js';

const ascii = (s: string) => new TextEncoder().encode(s);

test('xxh64 and xxh32 give the values of the kernel\'s lib/xxhash.c', () => {
  // [length, xxh64 seed 0, xxh32 seed 0, xxh64 seed 0x9e3779b97f4a7c15] of the first `length` bytes of
  // randomBytes(4096, 1), computed by lib/xxhash.c of Linux 6.12 compiled in userspace
  const data = randomBytes(4096, 1);
  const out = new Uint32Array(2);
  const vectors: [number, bigint, number, bigint][] = [
  [0, 0xef46db3751d8e999n, 0x02cc5d05, 0xc4349fc93c010000n],
  [1, 0x9ea4029ff0912cb8n, 0x9c4e9f74, 0x83b3e0a5a7bc390cn],
  [3, 0xcb827c639d8c8c4an, 0x1c742a19, 0x73d6df9854c87245n],
  [4, 0xee707f7f1834a862n, 0x40581b89, 0xad5761b2e1d87eccn],
  [7, 0x7537248d5194a59bn, 0x18f6f2cc, 0x184cc9fac1dcad68n],
  [8, 0x056a819e1460b91fn, 0x75cba4a4, 0xb9310d7079205590n],
  [15, 0xc7d38b48911e0467n, 0x91dccd0e, 0x31c9970956273ffbn],
  [16, 0x1a5e98b20c6d8bban, 0x5c4ed2e9, 0x528c9f4e60b4356en],
  [31, 0xe558e9e3d33aebc4n, 0x42b91be6, 0x14aeac01cf3ebf26n],
  [32, 0x974d1b029cb2bfc7n, 0x9eae08a7, 0x11d7bf628d287281n],
  [33, 0x379f71ced239954fn, 0x3c569907, 0x086c2409f3b345b6n],
  [63, 0xa64598aa79332218n, 0xecfdc119, 0x95ddfef5b98a22a8n],
  [64, 0x7abc3cdc89cc4952n, 0xbac6252f, 0x3268d90f5c04a910n],
  [100, 0x4a8c1fb76c991071n, 0x7cc31491, 0x265a22ca48cc175an],
  [4096, 0xfe3afbda8630fff2n, 0xee4a8c94, 0x3ad041b533aecb31n],
  ];
  for (const [len, h64, h32, h64s] of vectors) {
    for (const [seed, want] of [[0n, h64], [0x9e3779b97f4a7c15n, h64s]] as const) {
      xxh64(data, 0, len, seed, out, 0);
      assert.equal((BigInt(out[1]) << 32n) | BigInt(out[0]), want, `xxh64 length ${len} seed ${seed}`);
    }
    assert.equal(xxh32(data, 0, len, 0), h32, `xxh32 length ${len}`);
  }
  // an offset into a larger buffer hashes the same bytes
  const shifted = new Uint8Array(4100);
  shifted.set(data, 3);
  xxh64(shifted, 3, 4096, 0n, out, 0);
  assert.equal((BigInt(out[1]) << 32n) | BigInt(out[0]), vectors[vectors.length - 1][1]);
});

test('crc32c gives the published check value and differs per byte', () => {
  assert.equal(crc32c(ascii('123456789'), 0, 9), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0), 0, 0), 0);
  assert.notEqual(crc32c(ascii('123456780'), 0, 9), 0xe3069283);
});

test('jhash2 matches lookup3 hashword() values', () => {
  // lookup3.c's driver checks hashword() against hashlittle() for word-aligned keys; these are
  // values of the kernel's jhash2() compiled from include/linux/jhash.h (6.12) on x86_64.
  const words = (...w: number[]) => new Uint8Array(new Uint32Array(w).buffer);
  assert.equal(jhash2(new Uint8Array(0), 0, 0, 0), 0xdeadbeef);
  for (const [input, initval, expected] of JHASH2_VECTORS) {
    assert.equal(jhash2(words(...input), 0, input.length, initval), expected, `jhash2(${input}, ${initval})`);
  }
});

const JHASH2_VECTORS: [number[], number, number][] = [
  [[0xd3dc167e], 0x0, 0xd10313e8],
  [[0xa70427df], 0x11, 0x829f880a],
  [[0xd6651c2c], 0xdeadbeef, 0x6f4cf4b1],
  [[0x0daa96f5, 0xc21f1c8a], 0x0, 0x107edfb6],
  [[0x3ead62fb, 0xcd1dcf18], 0x11, 0x829ad17c],
  [[0xaf5aad71, 0x20da7756], 0xdeadbeef, 0x5248dcf4],
  [[0xafe533d7, 0x69acc4c4, 0x961bafad], 0x0, 0x47a2500a],
  [[0x261eb2e2, 0x525f3673, 0x65136930], 0x11, 0x8a7d9d4f],
  [[0x7e7099a9, 0xe6791b2e, 0xbb6cc6cf], 0xdeadbeef, 0xe626bd3a],
  [[0x44fde85c, 0xd0102765, 0x9fffbc3a, 0x5a1900eb], 0x0, 0x56ec9fe5],
  [[0x5baf2e48, 0x7d60d4e1, 0xaa1d6206, 0xb904c0c7], 0x11, 0x993d7591],
  [[0xdaace6f4, 0x5eb4de1d, 0x961d9892, 0x0202a263], 0xdeadbeef, 0x0a187b31],
  [[0x642b7e60, 0x05463f19, 0xcc78abde, 0x1f7301bf, 0x473a208c], 0x0, 0xff77f681],
  [[0xc1f2b3d5, 0xb2dfa7ea, 0x975ffadb, 0x52aeb978, 0x5bb7b851], 0x11, 0xf46fa96f],
  [[0x270858b6, 0xfc5969b7, 0xead1f524, 0xb1ee888d, 0xda394a42], 0xdeadbeef, 0xab70f5bb],
  [[0x9010ea53, 0xcdcb3f90, 0x46482089, 0xd995c88e, 0x73b5d8af, 0xb2ccc4bc], 0x0, 0xd35692c8],
  [[0x6a893c45, 0x4f29df9a, 0x821150cb, 0xafff70a8, 0x8e0657c1, 0x47b65b66], 0x11, 0x200889cd],
  [[0xaf622ea7, 0x132eef54, 0xe6dfaefd, 0x093cc7f2, 0x8af90e43, 0x1935acc0], 0xdeadbeef, 0x851be5bb],
  [[0x72fd3df9, 0x464b713e, 0x3e944b9f, 0xb028d4ec, 0x0ccac0b5, 0x3a09634a, 0x277c02bb], 0x0, 0x451ead1c],
  [[0x304453d8, 0x0fb3b331, 0x79026a16, 0xe55e0f97, 0xb796d584, 0xc85f516d, 0x02b311a2], 0x11, 0xc96ef405],
  [[0x7aea0e33, 0x946dc5f0, 0xacac9769, 0xdfd4a5ee, 0xdc2d5a8f, 0xea81511c, 0x176e4125], 0xdeadbeef, 0xf40259b2],
  [[0x596932fa, 0x06af10ab, 0x7ee06308, 0x03e6caa1, 0x948784c6, 0x7f4c0c87, 0x569ca7b4, 0x05046fdd, 0x1ee72752, 0xd1d2ea23, 0x94368b20], 0x0, 0x1782a45b],
  [[0x745d2cd9, 0xb82c669e, 0x6e60057f, 0xbfc9394c, 0x94eabd95, 0x63f44eaa, 0x00797a9b, 0x65f69e38, 0x25869e11, 0x90a0ab76, 0x1beb2577], 0x11, 0x945aa5df],
  [[0xb99365e4, 0x9f260a4d, 0xdee40902, 0xdb62a213, 0xa412fc50, 0x1ad5fe49, 0xd60db34e, 0xcccb4c6f, 0x70b38d7c, 0x9b773605, 0x9115b65a], 0xdeadbeef, 0x9dd69f9d],
  [[0x476a408b, 0xfe6a0568, 0x373a2d81, 0x3068de26, 0x07ba5a67, 0x248e1014, 0x5cdb20bd, 0x9c74b6b2, 0xad083603, 0xb6461980, 0x309e0bb9, 0xe4f38bfe, 0x74ce2f5f, 0x50b34dac, 0xbd0aaa75, 0x48f86a0a], 0x0, 0x3e519153],
  [[0x4fd0627b, 0xdfdd9898, 0x736878f1, 0xb3bb1cd6, 0x2cf8ab57, 0x865fa644, 0x37fab32d, 0x3a243062, 0x15f2a5f3, 0x53d2e2b0, 0xf5fc5529, 0xe518f0ae, 0x7987ae4f, 0xf5fb79dc, 0x775c1ae5, 0xd48769ba], 0x11, 0x9fa53b08],
  [[0xbfbae06b, 0x50b457c8, 0xfc388061, 0x87326786, 0x03a51847, 0xa89b2874, 0xce1bc19d, 0xd33d7612, 0x8f10f1e3, 0xcc7c57e0, 0xcaf7da99, 0xdb78e15e, 0x73d6c93f, 0x697f120c, 0xa3e28755, 0x0d6db56a], 0xdeadbeef, 0xa1fe0cf6],
];
