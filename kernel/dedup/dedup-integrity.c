// SPDX-License-Identifier: GPL-2.0-only
/*
 * dedup-integrity: guest-side integrity check for zswap deduplication.
 *
 * Forks PROCS processes.  Each maps PAGES anonymous pages (after the fork, so
 * they are its own) and runs CYCLES cycles of:
 *
 *   1. write: in cycle 0 every page, later a third of them, gets a new
 *      version of its content (a write to a swapped page swaps it in first);
 *   2. MADV_PAGEOUT of the whole region (every page goes to swap: zswap,
 *      the zeromap or the disk);
 *   3. check every page (reading swaps it in);
 *   4. MADV_PAGEOUT of every other page, and check every page again, so that
 *      swapped and resident pages mix.
 *
 * A page's content is chosen from DISTINCT contents by a hash of its index
 * and version that does not depend on the process (except for one page in
 * sixteen), so the pages are full of duplicates, within a process and across
 * processes, and every cycle re-shares them differently.  Content 0 is the
 * zero page, one content in 61 is incompressible (rejected by zswap, so it
 * goes to the swap disk), the others compress to a few hundred bytes.
 *
 * Every check compares the whole page with the expected content.  Each
 * process prints "ok proc=P checks=N" or, for a bad page, "BAD proc=P
 * page=I version=V content=K first-diff=OFFSET" (at most 10 lines) and exits
 * 1; the parent exits 0 only if every process succeeded.  With -g, process P
 * first joins the cgroup whose cgroup.procs path is argument P % count.
 *
 * Usage: dedup-integrity [-p PAGES] [-c CYCLES] [-k DISTINCT] [-j PROCS]
 *                        [-s SEED] [-g CGROUP_PROCS]...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE_SZ 4096UL
#define MAX_GROUPS 8

static unsigned long npages = 2048, ncycles = 4, ndistinct = 300, nprocs = 3;
static uint64_t seed = 1;
static const char *groups[MAX_GROUPS];
static int ngroups;

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The content of page @i at version @v in process @proc. */
static uint64_t content_of(unsigned long i, unsigned long v, unsigned long proc)
{
	uint64_t h = splitmix64(i ^ (v << 32) ^ (seed << 48));
	uint64_t k = h % ndistinct;

	if ((h >> 60) == 0)
		k = (k + proc) % ndistinct;
	return k;
}

static void fill(unsigned char *page, uint64_t k)
{
	uint64_t x = splitmix64(k + seed * 1000003);
	unsigned long o;

	if (k == 0) {
		memset(page, 0, PAGE_SZ);
		return;
	}
	if (k % 61 == 1) {
		for (o = 0; o < PAGE_SZ; o += 8) {
			x = splitmix64(x);
			memcpy(page + o, &x, 8);
		}
		return;
	}
	/* 256 random bytes, then 64-byte blocks each repeating one word */
	for (o = 0; o < 256; o += 8) {
		x = splitmix64(x);
		memcpy(page + o, &x, 8);
	}
	for (; o < PAGE_SZ; o += 8) {
		uint64_t w = k * 0x9e3779b97f4a7c15ULL ^ (o / 64);

		memcpy(page + o, &w, 8);
	}
}

static void join(const char *procs)
{
	char pid[32];
	int fd, n;

	fd = open(procs, O_WRONLY);
	if (fd < 0) {
		printf("BAD cannot open %s: %s\n", procs, strerror(errno));
		exit(1);
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, (size_t)n) != n) {
		printf("BAD cannot enter cgroup %s: %s\n", procs, strerror(errno));
		exit(1);
	}
	close(fd);
}

static int run(unsigned long proc)
{
	unsigned char *region, *want;
	unsigned long *version, i, v, bad = 0;
	unsigned long long checks = 0;

	if (ngroups)
		join(groups[proc % ngroups]);
	region = mmap(NULL, npages * PAGE_SZ, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	want = malloc(PAGE_SZ);
	version = calloc(npages, sizeof(*version));
	if (region == MAP_FAILED || !want || !version) {
		printf("BAD proc=%lu out of memory\n", proc);
		return 1;
	}
	madvise(region, npages * PAGE_SZ, MADV_NOHUGEPAGE);

	for (v = 0; v < ncycles; v++) {
		int pass;

		for (i = 0; i < npages; i++) {
			if (v && (i + v) % 3)
				continue;
			version[i] = v;
			fill(region + i * PAGE_SZ, content_of(i, v, proc));
		}
		if (madvise(region, npages * PAGE_SZ, MADV_PAGEOUT)) {
			printf("BAD proc=%lu MADV_PAGEOUT: %s\n", proc, strerror(errno));
			return 1;
		}
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < npages; i++) {
				uint64_t k = content_of(i, version[i], proc);
				unsigned char *p = region + i * PAGE_SZ;
				unsigned long o;

				fill(want, k);
				checks++;
				if (!memcmp(p, want, PAGE_SZ))
					continue;
				for (o = 0; o < PAGE_SZ && p[o] == want[o]; o++)
					;
				if (bad++ < 10)
					printf("BAD proc=%lu page=%lu version=%lu content=%llu first-diff=%lu\n",
					       proc, i, version[i], (unsigned long long)k, o);
			}
			if (pass)
				break;
			for (i = 1; i < npages; i += 2)
				madvise(region + i * PAGE_SZ, PAGE_SZ, MADV_PAGEOUT);
		}
	}
	if (bad) {
		printf("BAD proc=%lu %lu bad pages in %llu checks\n", proc, bad, checks);
		return 1;
	}
	printf("ok proc=%lu checks=%llu\n", proc, checks);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long p;
	int opt, failed = 0;

	while ((opt = getopt(argc, argv, "p:c:k:j:s:g:")) != -1) {
		switch (opt) {
		case 'p':
			npages = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			ncycles = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			ndistinct = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			nprocs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'g':
			if (ngroups == MAX_GROUPS) {
				fprintf(stderr, "too many -g\n");
				return 2;
			}
			groups[ngroups++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-p pages] [-c cycles] [-k distinct] [-j procs] [-s seed] [-g cgroup.procs]...\n",
				argv[0]);
			return 2;
		}
	}
	if (!npages || !ncycles || ndistinct < 2 || !nprocs) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (p = 0; p < nprocs; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			exit(run(p));
	}
	for (p = 0; p < nprocs; p++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	printf("%s procs=%lu pages=%lu cycles=%lu distinct=%lu failed=%d\n",
	       failed ? "FAILED" : "PASSED", nprocs, npages, ncycles, ndistinct, failed);
	return failed ? 1 : 0;
}
