/*
 * The yardstick of `npm run bench`: the Linux 6.12 kernel's own compressors and xxh64, as
 * ../shared/tools/koracle builds them in userspace (its kglue.h), timed on the same pages the
 * analyzer replays. Per page it does what a deduplicating zswap store does before the pool:
 * skip a zero-filled page, else xxh64 the page and compress it (4096-byte output budget).
 *
 *   kernel-rate <alg> <pages-file> <repeats>
 * prints one JSON line: {"alg":…,"pages":…,"seconds":…} with the fastest of the repeats.
 * Built by bench/kernel-yardstick.ts against koracle's objects; not part of the analyzer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include "kglue.h"

#define PAGE 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int zero_filled(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	if (w[PAGE / 8 - 1])
		return 0;
	for (i = 0; i < PAGE / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static uint8_t out[4 * PAGE];
	volatile unsigned long long sink = 0;
	uint8_t *pages;
	long size, n, i;
	int alg, rep, reps;
	double best = 1e30;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s <alg> <pages-file> <repeats>\n", argv[0]);
		return 2;
	}
	for (alg = 0; alg < K_NALGS; alg++)
		if (!strcmp(argv[1], k_alg_name(alg)))
			break;
	reps = atoi(argv[3]);
	f = fopen(argv[2], "rb");
	if (alg == K_NALGS || reps < 1 || !f) {
		fprintf(stderr, "kernel-rate: bad algorithm, repeat count or file\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	n = size / PAGE;
	pages = malloc(n * PAGE + 1);
	if (!pages || fread(pages, PAGE, n, f) != (size_t)n || k_init()) {
		fprintf(stderr, "kernel-rate: cannot read %s or start the compressors\n", argv[2]);
		return 1;
	}
	for (rep = 0; rep < reps; rep++) {
		double t0 = now(), t;

		for (i = 0; i < n; i++) {
			const uint8_t *p = pages + i * PAGE;
			unsigned int dlen = PAGE;

			if (zero_filled(p))
				continue;
			sink += k_xxh64(p, PAGE);
			sink += k_compress(alg, p, PAGE, out, &dlen) ? 0 : dlen;
		}
		t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("{\"alg\":\"%s\",\"pages\":%ld,\"seconds\":%.6f,\"sink\":%llu}\n", argv[1], n, best, sink & 1);
	return 0;
}
