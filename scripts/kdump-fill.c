// SPDX-License-Identifier: GPL-2.0-only
/*
 * kdump-fill: the guest workload behind fixtures/kdump/ (built and run by
 * scripts/make-kdump-fixtures.sh).  Puts pages of known content into
 * anonymous memory, prints one line, then sleeps until the host has dumped
 * the guest.
 *
 * Page i (0 <= i < PAGES) holds content number c = i % CONTENTS, so the first
 * PAGES - CONTENTS contents appear twice.  Every content starts with the
 * 16-byte tag "kdump-fill page " followed by c as a little-endian 64-bit
 * number; the rest of the page is
 *   c even: the 64-bit word (c * 0x9e3779b97f4a7c15) repeated (compresses well)
 *   c odd:  xorshift64 output seeded with c + 1 (does not compress: such pages
 *           are stored uncompressed even in a compressed dump)
 * scripts/kdump-fixtures.py rebuilds the same contents to count them in the dumps.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE_SZ 4096
#define PAGES 96
#define CONTENTS 80

int main(void)
{
	unsigned char *region = mmap(NULL, (size_t)PAGES * PAGE_SZ, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (region == MAP_FAILED) {
		perror("kdump-fill: mmap");
		return 1;
	}
	for (int i = 0; i < PAGES; i++) {
		uint64_t c = (uint64_t)(i % CONTENTS);
		uint64_t *w = (uint64_t *)(region + (size_t)i * PAGE_SZ);
		memcpy(w, "kdump-fill page ", 16);
		w[2] = c;
		uint64_t x = c + 1;
		for (int k = 3; k < PAGE_SZ / 8; k++) {
			if (c % 2 == 0) {
				w[k] = c * 0x9e3779b97f4a7c15ULL;
			} else {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				w[k] = x;
			}
		}
	}
	printf("kdump-fill ready pages=%d contents=%d\n", PAGES, CONTENTS);
	fflush(stdout);
	for (;;)
		pause();
}
