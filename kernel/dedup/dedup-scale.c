// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-scale: the cost of a dedup index lookup as the index grows, up to
 * millions of objects.  Needs a dedup kernel with CONFIG_ZSWAP_DEDUP_DEBUG
 * (debugfs dedup_lookups, dedup_lookup_ns, dedup_index_trees) and zswap.dedup=1.
 *
 * Fills a region of TOTAL pages, CHUNK pages at a time, each page zero but for
 * a distinct 8-byte number (so it compresses to a few bytes and zsmalloc's
 * smallest class holds it), and pages every chunk out: every page becomes an
 * object of its own.  Whenever the number of pages stored reaches a
 * checkpoint, it measures BATCH stores of pages not stored yet (misses) and
 * BATCH stores of copies of stored pages (hits): the kernel's time in the
 * index per lookup (dedup_lookup_ns / dedup_lookups), and the time per store
 * (MADV_PAGEOUT of the batch, reclaim's own work included); then it faults
 * the batch back in, which frees its entries again.
 *
 * Prints per checkpoint "objects N trees T miss_lookup_ns A hit_lookup_ns B
 * miss_store_ns C hit_store_ns D", and "done objects N".
 *
 * Usage: dedup-scale TOTAL CHECKPOINT... (CHUNK 16384, BATCH 4096 pages)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SZ 4096UL
#define CHUNK 16384UL
#define BATCH 4096UL
#define DBG "/sys/kernel/debug/zswap/"

static void die(const char *what)
{
	fprintf(stderr, "dedup-scale: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die(path);
	return strtol(buf, NULL, 10);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *map(unsigned long pages)
{
	void *p = mmap(NULL, pages * PAGE_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, pages * PAGE_SZ, MADV_NOHUGEPAGE);
	return p;
}

static void pageout(void *p, unsigned long pages)
{
	if (madvise(p, pages * PAGE_SZ, MADV_PAGEOUT))
		die("MADV_PAGEOUT");
}

/*
 * Store the batch (pages numbered from @first, or copies of stored ones)
 * and fault it back in; returns the time per store, sets *lookup_ns.
 */
static double measure(unsigned char *batch, uint64_t first, double *lookup_ns)
{
	long l0, n0, l1, n1;
	unsigned long i, sink = 0;
	double t0, t1;

	for (i = 0; i < BATCH; i++)
		memcpy(batch + i * PAGE_SZ, &(uint64_t){ first + i }, 8);
	l0 = read_long(DBG "dedup_lookups");
	n0 = read_long(DBG "dedup_lookup_ns");
	t0 = now_ns();
	pageout(batch, BATCH);
	t1 = now_ns();
	l1 = read_long(DBG "dedup_lookups");
	n1 = read_long(DBG "dedup_lookup_ns");
	for (i = 0; i < BATCH; i++)
		sink += batch[i * PAGE_SZ];
	*lookup_ns = l1 > l0 ? (double)(n1 - n0) / (l1 - l0) : -1;
	return (t1 - t0) / BATCH + (sink == 42);
}

int main(int argc, char **argv)
{
	unsigned long total, filled = 0, i, c;
	unsigned char *region, *batch;
	int next = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: dedup-scale TOTAL CHECKPOINT...\n");
		return 2;
	}
	total = strtoul(argv[1], NULL, 0);
	region = map(total);
	batch = map(BATCH);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (filled < total) {
		unsigned long n = total - filled < CHUNK ? total - filled : CHUNK;
		unsigned char *chunk = region + filled * PAGE_SZ;

		/* page numbers from 1 on: none is a zero page */
		for (i = 0; i < n; i++)
			memcpy(chunk + i * PAGE_SZ, &(uint64_t){ filled + i + 1 }, 8);
		pageout(chunk, n);
		filled += n;
		while (next < argc && filled >= strtoul(argv[next], NULL, 0)) {
			double miss_ns, hit_ns, miss_store, hit_store;
			long objects = read_long(DBG "dedup_objects");

			/* misses: numbers far above the region's */
			miss_store = measure(batch, (1ULL << 40) + filled, &miss_ns);
			/* hits: copies of pages stored (numbers 1.. are in the region) */
			c = filled / 2 > BATCH ? filled / 2 : 1;
			hit_store = measure(batch, c, &hit_ns);
			printf("objects %ld trees %ld miss_lookup_ns %.0f hit_lookup_ns %.0f miss_store_ns %.0f hit_store_ns %.0f\n",
			       objects, read_long(DBG "dedup_index_trees"),
			       miss_ns, hit_ns, miss_store, hit_store);
			next++;
		}
	}
	printf("done objects %ld\n", read_long(DBG "dedup_objects"));
	return 0;
}
