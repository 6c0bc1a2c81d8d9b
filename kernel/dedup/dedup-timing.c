// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-timing: time zswap stores and loads with dedup off and on, in one
 * guest run (TCG timings are comparable only within a run).
 *
 * PROCS processes (default 1) each map one anonymous page per page of PAGESET
 * (a file of whole 4 KiB pages) and, ROUNDS times, for dedup off and then on
 * (written to /sys/module/zswap/parameters/dedup), all at the same time:
 *
 *   - copy the page set in (every page dirty and resident),
 *   - time madvise(MADV_PAGEOUT) of the region: one zswap store per page,
 *     plus reclaim's own work (unmapping, swap slot allocation),
 *   - time reading one byte of every page: one swap-in fault and one zswap
 *     load per page (the load frees the entry, so zswap is empty again).
 *
 * With several processes the same pages are stored and loaded on several
 * CPUs at once, against one dedup index.  Prints per round and mode "round R
 * dedup D store_ns S load_ns L stored N", with S and L per page (the mean
 * over the processes of each one's time per page) and N the stored_pages
 * delta per process.  Use page sets without zero or incompressible pages, so
 * that every page is a zswap store.
 *
 * Usage: dedup-timing PAGESET [ROUNDS [PROCS]]
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SZ 4096UL
#define MAX_PROCS 16

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

static void xwrite(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		die("pipe write");
}

static void xread(int fd, void *buf, size_t len)
{
	if (read(fd, buf, len) != (ssize_t)len)
		die("pipe read");
}

/*
 * One worker: its own copy of the region; for every phase it waits for the
 * coordinator's go, copies the set in and pages it out, sends the time, waits
 * for the next go, faults the region back in and sends that time.
 */
static void worker(const unsigned char *set, size_t size, unsigned long phases,
		   int go, int done)
{
	unsigned long npages = size / PAGE_SZ, i, ph;
	unsigned long sink = 0;
	unsigned char *region;
	double t, t0;
	char c;

	region = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap");
	madvise(region, size, MADV_NOHUGEPAGE);
	for (ph = 0; ph < phases; ph++) {
		xread(go, &c, 1);
		memcpy(region, set, size);
		t0 = now_ns();
		if (madvise(region, size, MADV_PAGEOUT))
			die("MADV_PAGEOUT");
		t = (now_ns() - t0) / npages;
		xwrite(done, &t, sizeof(t));
		xread(go, &c, 1);
		t0 = now_ns();
		for (i = 0; i < npages; i++)
			sink += region[i * PAGE_SZ];
		t = (now_ns() - t0) / npages;
		xwrite(done, &t, sizeof(t));
	}
	exit(sink == 42 ? 3 : 0);
}

int main(int argc, char **argv)
{
	const char *stored = "/sys/kernel/debug/zswap/stored_pages";
	unsigned long i, rounds = 5, procs = 1, p, r;
	int go[MAX_PROCS][2], done[2], fd, mode, status;
	unsigned char *set;
	struct stat st;

	if (argc < 2) {
		fprintf(stderr, "usage: dedup-timing PAGESET [ROUNDS [PROCS]]\n");
		return 2;
	}
	if (argc > 2)
		rounds = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		procs = strtoul(argv[3], NULL, 0);
	if (!procs || procs > MAX_PROCS)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1]);
	if (st.st_size <= 0 || st.st_size % PAGE_SZ) {
		fprintf(stderr, "dedup-timing: %s is not whole pages\n", argv[1]);
		return 2;
	}
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
	/* the copy of the set must stay resident: only the regions are paged out */
	if (mlock(set, st.st_size))
		die("mlock");
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* one go pipe per worker, so that each go reaches the one it is for */
	if (pipe(done))
		die("pipe");
	for (p = 0; p < procs; p++) {
		pid_t pid;

		if (pipe(go[p]))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid)
			worker(set, st.st_size, rounds * 2, go[p][0], done[1]);
	}

	for (r = 0; r < rounds; r++) {
		for (mode = 0; mode < 2; mode++) {
			double store = 0, load = 0, t;
			long s0, s1;

			write_file("/sys/module/zswap/parameters/dedup", mode ? "1" : "0");
			s0 = read_long(stored);
			for (p = 0; p < procs; p++)
				xwrite(go[p][1], "g", 1);
			for (p = 0; p < procs; p++) {
				xread(done[0], &t, sizeof(t));
				store += t / procs;
			}
			s1 = read_long(stored);
			for (p = 0; p < procs; p++)
				xwrite(go[p][1], "g", 1);
			for (p = 0; p < procs; p++) {
				xread(done[0], &t, sizeof(t));
				load += t / procs;
			}
			printf("round %lu dedup %d store_ns %.0f load_ns %.0f stored %ld\n",
			       r, mode, store, load, (s1 - s0) / (long)procs);
		}
	}
	for (p = 0; p < procs; p++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("worker");
	return 0;
}
