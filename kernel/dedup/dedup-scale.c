// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-scale: the cost of a dedup index lookup as the index grows, up to
 * millions of objects.  Needs a dedup kernel with CONFIG_ZSWAP_DEDUP_DEBUG
 * (debugfs dedup_lookups, dedup_lookup_ns, dedup_index_trees) and zswap.dedup=1.
 *
 * Fills a region of TOTAL pages, up to CHUNK pages at a time and never past
 * the next checkpoint, each page zero but for a distinct 8-byte number (so it
 * compresses to a few bytes and zsmalloc's smallest class holds it), and pages
 * every chunk out: every page becomes an object of its own.  Whenever the
 * number of pages stored reaches a checkpoint, it measures BATCH stores of
 * pages not stored yet (misses) and BATCH stores of copies of stored pages
 * (hits), in SUBS sub-batches: the kernel's time in the index per lookup
 * (dedup_lookup_ns / dedup_lookups) and the time per store (MADV_PAGEOUT of
 * the sub-batch, reclaim's own work included), each as the minimum and the
 * median over the sub-batches (on a shared host a preempted vCPU inflates a
 * mean; the least disturbed sub-batch is the closest to the real cost); then
 * it faults the batch back in, which frees its entries again.  It also reads
 * the kernel's slab memory (Slab in /proc/meminfo) and pool size there.
 *
 * Prints per checkpoint "objects N trees T miss_lookup_ns A A' hit_lookup_ns
 * B B' miss_store_ns C C' hit_store_ns D D' slab_kb S pool_bytes P" (x = min,
 * x' = median), and at the end "done objects N" and zswap's counters
 * ("reject NAME N": stored pages, rejects, writeback, dedup hits and
 * collisions).  With 32-bit keys about N^2 / 2^33 of the distinct pages
 * collide with an indexed one (about 130 at a million): those are stored as
 * plain entries, not objects.
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
#define SUBS 8UL
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

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct cost {
	double lookup_min, lookup_med, store_min, store_med;
};

/*
 * Store the batch (pages numbered from @first, or copies of stored ones)
 * SUBS sub-batches at a time, and fault it back in.
 */
static struct cost measure(unsigned char *batch, uint64_t first)
{
	const unsigned long sub = BATCH / SUBS;
	double lookup[SUBS], store[SUBS], t0, t1;
	unsigned long i, j, sink = 0;
	long l0, n0, l1, n1;
	struct cost c;

	for (i = 0; i < BATCH; i++)
		memcpy(batch + i * PAGE_SZ, &(uint64_t){ first + i }, 8);
	for (j = 0; j < SUBS; j++) {
		l0 = read_long(DBG "dedup_lookups");
		n0 = read_long(DBG "dedup_lookup_ns");
		t0 = now_ns();
		pageout(batch + j * sub * PAGE_SZ, sub);
		t1 = now_ns();
		l1 = read_long(DBG "dedup_lookups");
		n1 = read_long(DBG "dedup_lookup_ns");
		lookup[j] = l1 > l0 ? (double)(n1 - n0) / (l1 - l0) : -1;
		store[j] = (t1 - t0) / sub;
	}
	for (i = 0; i < BATCH; i++)
		sink += batch[i * PAGE_SZ];
	qsort(lookup, SUBS, sizeof(double), cmp_double);
	qsort(store, SUBS, sizeof(double), cmp_double);
	c.lookup_min = lookup[0];
	c.lookup_med = (lookup[SUBS / 2 - 1] + lookup[SUBS / 2]) / 2;
	c.store_min = store[0] + (sink == 42);
	c.store_med = (store[SUBS / 2 - 1] + store[SUBS / 2]) / 2;
	return c;
}

static const char *const counters[] = {
	"stored_pages", "reject_compress_poor", "reject_compress_fail",
	"reject_alloc_fail", "reject_kmemcache_fail", "reject_reclaim_fail",
	"pool_limit_hit", "written_back_pages", "dedup_hits", "dedup_verify_fail",
};

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

		/* stop at the next checkpoint */
		if (next < argc && strtoul(argv[next], NULL, 0) > filled &&
		    strtoul(argv[next], NULL, 0) - filled < n)
			n = strtoul(argv[next], NULL, 0) - filled;
		/* page numbers from 1 on: none is a zero page */
		for (i = 0; i < n; i++)
			memcpy(chunk + i * PAGE_SZ, &(uint64_t){ filled + i + 1 }, 8);
		pageout(chunk, n);
		filled += n;
		while (next < argc && filled >= strtoul(argv[next], NULL, 0)) {
			struct cost miss, hit;
			long objects = read_long(DBG "dedup_objects");
			long slab = meminfo_kb("Slab");
			long pool = read_long(DBG "pool_total_size");

			/* misses: numbers far above the region's */
			miss = measure(batch, (1ULL << 40) + filled);
			/* hits: copies of pages stored (numbers 1.. are in the region) */
			c = filled / 2 > BATCH ? filled / 2 : 1;
			hit = measure(batch, c);
			printf("objects %ld trees %ld ", objects,
			       read_long(DBG "dedup_index_trees"));
			printf("miss_lookup_ns %.0f %.0f hit_lookup_ns %.0f %.0f ",
			       miss.lookup_min, miss.lookup_med,
			       hit.lookup_min, hit.lookup_med);
			printf("miss_store_ns %.0f %.0f hit_store_ns %.0f %.0f ",
			       miss.store_min, miss.store_med,
			       hit.store_min, hit.store_med);
			printf("slab_kb %ld pool_bytes %ld\n", slab, pool);
			next++;
		}
	}
	printf("done objects %ld\n", read_long(DBG "dedup_objects"));
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), DBG "%s", counters[i]);
		printf("reject %s %ld\n", counters[i], read_long(path));
	}
	return 0;
}
