// SPDX-License-Identifier: GPL-2.0-only
/*
 * zswap-fill: the guest-side workload of the zswap-dedup kernel tests.
 *
 * Puts a page set (a file of whole 4 KiB pages) into anonymous memory so that
 * reclaim can push exactly those pages, and nothing else of this process, to
 * swap:
 *
 *   1. join the cgroup whose cgroup.procs file is given (so that
 *      memory.reclaim on it sees this process's memory only),
 *   2. mlockall(MCL_CURRENT | MCL_FUTURE): text, data, bss, heap, stack and
 *      their later growth are unevictable,
 *   3. mmap an anonymous region of one page per input page, munlock it
 *      (MADV_NOHUGEPAGE too, so only 4 KiB folios), copy the pages in through
 *      a locked bounce buffer (every page, zero ones included, is written and
 *      so is a real anonymous page),
 *   4. MADV_COLD the region (reclaim takes inactive pages first),
 *   5. print "ready pages=N region=ADDR" and then obey commands read line by
 *      line from stdin:
 *        pagemap  print "pagemap present=P swapped=S none=Z" for the region
 *                 (from /proc/self/pagemap: bit 63 present, bit 62 swapped)
 *        quit     exit
 *
 * Usage: zswap-fill PAGESET CGROUP_PROCS|-
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_SZ 4096UL
#define CHUNK_PAGES 16UL
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned char bounce[CHUNK_PAGES * PAGE_SZ];
static uint64_t pm[CHUNK_PAGES * 32];

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) != n)
		exit(4);
}

static void die(const char *what)
{
	say("error %s: %s\n", what, strerror(errno));
	exit(1);
}

static void join_cgroup(const char *procs)
{
	char pid[32];
	int fd, n;

	if (!strcmp(procs, "-"))
		return;
	fd = open(procs, O_WRONLY);
	if (fd < 0)
		die("open cgroup.procs");
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, (size_t)n) != n)
		die("write cgroup.procs");
	close(fd);
}

static void fill(int fd, unsigned char *region, size_t npages)
{
	size_t done = 0;

	while (done < npages) {
		size_t want = npages - done, got = 0;

		if (want > CHUNK_PAGES)
			want = CHUNK_PAGES;
		while (got < want * PAGE_SZ) {
			ssize_t r = read(fd, bounce + got, want * PAGE_SZ - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die("read page set");
			got += (size_t)r;
		}
		memcpy(region + done * PAGE_SZ, bounce, want * PAGE_SZ);
		done += want;
	}
}

static void report_pagemap(unsigned char *region, size_t npages)
{
	size_t present = 0, swapped = 0, none = 0, done = 0;
	const size_t per = ARRAY_SIZE(pm);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		die("open pagemap");
	while (done < npages) {
		size_t n = npages - done, i;
		off_t off = (off_t)(((uintptr_t)region / PAGE_SZ + done) * 8);

		if (n > per)
			n = per;
		if (pread(fd, pm, n * 8, off) != (ssize_t)(n * 8))
			die("read pagemap");
		for (i = 0; i < n; i++) {
			if (pm[i] & PM_PRESENT)
				present++;
			else if (pm[i] & PM_SWAPPED)
				swapped++;
			else
				none++;
		}
		done += n;
	}
	close(fd);
	say("pagemap present=%zu swapped=%zu none=%zu\n", present, swapped, none);
}

int main(int argc, char **argv)
{
	unsigned char *region;
	char cmd[64];
	struct stat st;
	size_t npages, len = 0;
	int fd;

	if (argc != 3) {
		say("usage: zswap-fill PAGESET CGROUP_PROCS|-\n");
		return 2;
	}
	join_cgroup(argv[2]);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		die("mlockall");

	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("open page set");
	if (st.st_size <= 0 || st.st_size % PAGE_SZ) {
		say("error page set size %lld is not a positive multiple of 4096\n",
		    (long long)st.st_size);
		return 1;
	}
	npages = (size_t)st.st_size / PAGE_SZ;

	region = mmap(NULL, npages * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap");
	/* EINVAL without CONFIG_TRANSPARENT_HUGEPAGE: nothing to turn off. */
	madvise(region, npages * PAGE_SZ, MADV_NOHUGEPAGE);
	if (munlock(region, npages * PAGE_SZ))
		die("munlock");
	fill(fd, region, npages);
	close(fd);
	if (madvise(region, npages * PAGE_SZ, MADV_COLD))
		die("madvise(MADV_COLD)");
	say("ready pages=%zu region=%p\n", npages, (void *)region);

	for (;;) {
		ssize_t r = read(STDIN_FILENO, cmd + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		if (cmd[len] != '\n' && len + 1 < sizeof(cmd)) {
			len++;
			continue;
		}
		cmd[len] = '\0';
		len = 0;
		if (!strcmp(cmd, "quit"))
			return 0;
		if (!strcmp(cmd, "pagemap"))
			report_pagemap(region, npages);
		else
			say("error unknown command '%s'\n", cmd);
	}
}
