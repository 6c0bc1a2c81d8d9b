// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-timing: time zswap stores and loads with dedup off and on, in one
 * guest run.
 *
 * PROCS worker processes map anonymous memory for their pages of PAGESET (a
 * file of whole 4 KiB pages) and, ROUNDS times, for each mode of MODES (the
 * value written to /sys/module/zswap/parameters/dedup before each phase; "-"
 * leaves the knob alone, for a kernel without the series), all at once:
 *
 *   - copy their pages in (every page dirty and resident); all wait until
 *     every worker is done, so that the timed part starts together,
 *   - time madvise(MADV_PAGEOUT) of the region: one zswap store per page,
 *     plus reclaim's own work (unmapping, swap slot allocation),
 *   - time reading one byte of every page: one swap-in fault and one zswap
 *     load per page (the load frees the slot, so zswap is empty again).
 *
 * LAYOUT says which pages each worker stores:
 *   split  worker p takes pages p, p + PROCS, ...: no two workers store the
 *          same content (with dedup on every store is a miss),
 *   same   every worker stores the whole set at the same time (with dedup on,
 *          one miss per content, the others hits, some racing for the insert),
 *   held   as same, but before the rounds the coordinator stores one more
 *          copy of the set with dedup on and keeps it in zswap: with dedup
 *          on every timed store is a hit and every load a load of a shared
 *          object.
 *
 * Prints per round and mode
 *   "round R dedup D store_ns S load_ns L span_store_ns SS span_load_ns SL
 *    stored N hits H"
 * with S and L the mean over the workers of each one's time per page, SS and
 * SL the time from the first worker's start to the last one's end divided by
 * all the workers' pages (time per page of the machine as a whole), N the
 * stored_pages delta of the store phase (all workers) and H the dedup_hits
 * delta (-1 without the series); with LAYOUT held, first "held N": the
 * pages of the coordinator's copy that zswap stored.  Every process stays on
 * one CPU (worker p on CPU p modulo the CPUs online).  Sets vm.page-cluster
 * to 0 (no swap readahead).  Use page sets without zero or
 * incompressible pages, so that every page is a zswap store.
 *
 * Usage: dedup-timing PAGESET [ROUNDS [PROCS [MODES [LAYOUT]]]]
 *        (defaults: 5 1 01 same)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

static const char *knob = "/sys/module/zswap/parameters/dedup";

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

/* the value of a debugfs counter, or -1 if the kernel has none */
static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die(path);
	return strtol(buf, NULL, 10);
}

/*
 * Stay on one CPU: MADV_PAGEOUT drains only the local CPU's LRU batches, so
 * pages filled on another CPU could be missed (seen: 25 of 782 once).
 */
static void pin(unsigned long cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
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

/* copy pages first, first + step, ... of the set into a new region */
static unsigned char *map_pages(unsigned long npages,
				unsigned long first, unsigned long step,
				unsigned long *mapped)
{
	unsigned long n = first < npages ? (npages - first + step - 1) / step : 0;
	unsigned char *region;

	*mapped = n;
	region = mmap(NULL, (n ? n : 1) * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap");
	madvise(region, (n ? n : 1) * PAGE_SZ, MADV_NOHUGEPAGE);
	return region;
}

static void fill(unsigned char *region, const unsigned char *set,
		 unsigned long n, unsigned long first, unsigned long step)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		memcpy(region + i * PAGE_SZ, set + (first + i * step) * PAGE_SZ,
		       PAGE_SZ);
}

/*
 * One worker: its own region; for every phase it waits for the go, copies
 * its pages in and says so, waits for the next go, pages the region out and
 * sends its start and end times, waits for the next go, faults the region
 * back in and sends those times.
 */
static void worker(const unsigned char *set, unsigned long npages,
		   unsigned long cpu, unsigned long first, unsigned long step,
		   unsigned long phases, int go, int done)
{
	unsigned long n, i, ph;
	unsigned long sink = 0;
	unsigned char *region;
	double t[3];
	char c;

	pin(cpu);
	region = map_pages(npages, first, step, &n);
	t[2] = n;
	for (ph = 0; ph < phases; ph++) {
		xread(go, &c, 1);
		fill(region, set, n, first, step);
		xwrite(done, &c, 1);
		xread(go, &c, 1);
		t[0] = now_ns();
		if (n && madvise(region, n * PAGE_SZ, MADV_PAGEOUT))
			die("MADV_PAGEOUT");
		t[1] = now_ns();
		xwrite(done, t, sizeof(t));
		xread(go, &c, 1);
		t[0] = now_ns();
		for (i = 0; i < n; i++)
			sink += region[i * PAGE_SZ];
		t[1] = now_ns();
		xwrite(done, t, sizeof(t));
	}
	exit(sink == 42 ? 3 : 0);
}

/* one timed step of every worker: mean per-worker and whole-span time per page */
static void step(int go[][2], int done, unsigned long procs, double *mean,
		 double *span)
{
	double t[3], first = 0, last = 0, total = 0;
	unsigned long p;

	*mean = 0;
	for (p = 0; p < procs; p++)
		xwrite(go[p][1], "g", 1);
	for (p = 0; p < procs; p++) {
		xread(done, t, sizeof(t));
		if (!p || t[0] < first)
			first = t[0];
		if (!p || t[1] > last)
			last = t[1];
		*mean += (t[1] - t[0]) / t[2] / procs;
		total += t[2];
	}
	*span = (last - first) / total;
}

int main(int argc, char **argv)
{
	const char *stored = "/sys/kernel/debug/zswap/stored_pages";
	const char *hits = "/sys/kernel/debug/zswap/dedup_hits";
	unsigned long i, rounds = 5, procs = 1, p, r, npages;
	const char *modes = "01", *layout = "same", *mode;
	int go[MAX_PROCS][2], done[2], fd, status, split, held;
	unsigned char *set;
	struct stat st;
	char c;

	if (argc < 2) {
		fprintf(stderr, "usage: dedup-timing PAGESET [ROUNDS [PROCS [MODES [LAYOUT]]]]\n");
		return 2;
	}
	if (argc > 2)
		rounds = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		procs = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		modes = argv[4];
	if (argc > 5)
		layout = argv[5];
	split = !strcmp(layout, "split");
	held = !strcmp(layout, "held");
	if (!procs || procs > MAX_PROCS || !*modes ||
	    strspn(modes, "01-") != strlen(modes) ||
	    (!split && !held && strcmp(layout, "same")) ||
	    (held && strchr(modes, '-'))) {
		fprintf(stderr, "dedup-timing: bad arguments\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(argv[1]);
	if (st.st_size <= 0 || st.st_size % PAGE_SZ) {
		fprintf(stderr, "dedup-timing: %s is not whole pages\n", argv[1]);
		return 2;
	}
	npages = st.st_size / PAGE_SZ;
	if (split && npages < procs) {
		fprintf(stderr, "dedup-timing: fewer pages than workers\n");
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
	/*
	 * No swap readahead: a fault is one load, and (the virtio disk counts
	 * as rotational, so readahead goes by swap slot) a worker's fault
	 * would otherwise load, and so free, neighbouring slots of other
	 * processes: 5 of the held copy's 782 were lost that way.
	 */
	write_file("/proc/sys/vm/page-cluster", "0");
	if (held) {
		unsigned long n;
		unsigned char *keep = map_pages(npages, 0, 1, &n);
		long s0 = read_long(stored);

		/* the workers need no reference to the held copy's slots */
		if (madvise(keep, n * PAGE_SZ, MADV_DONTFORK))
			die("MADV_DONTFORK");
		pin(0);
		fill(keep, set, n, 0, 1);
		write_file(knob, "1");
		if (madvise(keep, n * PAGE_SZ, MADV_PAGEOUT))
			die("MADV_PAGEOUT");
		/* never touched again: the copy stays in zswap until exit */
		printf("held %ld\n", read_long(stored) - s0);
	}
	/* one go pipe per worker, so that each go reaches the one it is for */
	if (pipe(done))
		die("pipe");
	for (p = 0; p < procs; p++) {
		pid_t pid;
		unsigned long first = split ? p : 0, step_ = split ? procs : 1;

		if (pipe(go[p]))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid)
			worker(set, npages, p, first, step_, rounds * strlen(modes),
			       go[p][0], done[1]);
	}

	for (r = 0; r < rounds; r++) {
		for (mode = modes; *mode; mode++) {
			double store, load, span_store, span_load;
			long s0, s1, h0, h1;

			if (*mode != '-')
				write_file(knob, *mode == '1' ? "1" : "0");
			for (p = 0; p < procs; p++)
				xwrite(go[p][1], "g", 1);
			for (p = 0; p < procs; p++)
				xread(done[0], &c, 1);
			s0 = read_long(stored);
			h0 = read_long(hits);
			step(go, done[0], procs, &store, &span_store);
			s1 = read_long(stored);
			h1 = read_long(hits);
			step(go, done[0], procs, &load, &span_load);
			printf("round %lu dedup %c store_ns %.0f load_ns %.0f ",
			       r, *mode, store, load);
			printf("span_store_ns %.0f span_load_ns %.0f stored %ld hits %ld\n",
			       span_store, span_load, s1 - s0,
			       h0 < 0 ? -1 : h1 - h0);
		}
	}
	for (p = 0; p < procs; p++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("worker");
	return 0;
}
