// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-timing: time zswap stores and loads with dedup off and on, in one
 * guest run (TCG timings are comparable only within a run).
 *
 * Maps one anonymous page per page of PAGESET (a file of whole 4 KiB pages)
 * and, ROUNDS times, for dedup off and then on (written to
 * /sys/module/zswap/parameters/dedup):
 *
 *   - copies the page set in (every page dirty and resident),
 *   - times madvise(MADV_PAGEOUT) of the region: one zswap store per page,
 *     plus reclaim's own work (unmapping, swap slot allocation),
 *   - times reading one byte of every page: one swap-in fault and one zswap
 *     load per page (the load frees the entry, so zswap is empty again),
 *
 * and prints per round and mode "round R dedup D store_ns S load_ns L
 * stored N", with S and L per page and N the stored_pages delta.  Use page
 * sets without zero or incompressible pages, so that every page is a zswap
 * store.
 *
 * Usage: dedup-timing PAGESET [ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SZ 4096UL

static void die(const char *what)
{
	fprintf(stderr, "dedup-timing: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
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

int main(int argc, char **argv)
{
	const char *stored = "/sys/kernel/debug/zswap/stored_pages";
	unsigned char *set, *region;
	unsigned long npages, i, rounds = 5, r;
	unsigned long sink = 0;
	struct stat st;
	int fd, mode;

	if (argc < 2) {
		fprintf(stderr, "usage: dedup-timing PAGESET [ROUNDS]\n");
		return 2;
	}
	if (argc > 2)
		rounds = strtoul(argv[2], NULL, 0);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1]);
	if (st.st_size <= 0 || st.st_size % PAGE_SZ) {
		fprintf(stderr, "dedup-timing: %s is not whole pages\n", argv[1]);
		return 2;
	}
	npages = st.st_size / PAGE_SZ;
	set = malloc(st.st_size);
	if (!set)
		die("malloc");
	for (i = 0; i < (unsigned long)st.st_size;) {
		ssize_t n = read(fd, set + i, st.st_size - i);

		if (n <= 0)
			die("read page set");
		i += n;
	}
	close(fd);
	/* the copy of the set must stay resident: only the region is paged out */
	if (mlock(set, st.st_size))
		die("mlock");
	region = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap");
	madvise(region, st.st_size, MADV_NOHUGEPAGE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (r = 0; r < rounds; r++) {
		for (mode = 0; mode < 2; mode++) {
			double t0, t1, t2;
			long s0, s1;

			write_file("/sys/module/zswap/parameters/dedup", mode ? "1" : "0");
			memcpy(region, set, st.st_size);
			s0 = read_long(stored);
			t0 = now_ns();
			if (madvise(region, st.st_size, MADV_PAGEOUT))
				die("MADV_PAGEOUT");
			t1 = now_ns();
			s1 = read_long(stored);
			for (i = 0; i < npages; i++)
				sink += region[i * PAGE_SZ];
			t2 = now_ns();
			printf("round %lu dedup %d store_ns %.0f load_ns %.0f stored %ld\n",
			       r, mode, (t1 - t0) / npages, (t2 - t1) / npages, s1 - s0);
		}
	}
	return sink == 42 ? 3 : 0;
}
