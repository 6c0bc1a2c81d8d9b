/*
 * Fills memory with known content for the ELF fixtures (scripts/make-gcore-fixture.sh,
 * scripts/make-vmcore-fixture.sh): a process (or a guest's init) whose anonymous and shared
 * memory holds pages that a test can recognise by their first bytes.
 *
 *   private anonymous: FILL_UNIQUE pages "ZSDA" + index (distinct), FILL_DUP pages "ZSDD" (all
 *     identical), FILL_ZERO pages written and cleared (present, all zero), FILL_UNTOUCHED pages
 *     never touched (a core dump reads them as zeros, the kernel has none)
 *   shared anonymous (shmem): FILL_SHMEM pages "ZSDS" + index
 *
 * As a process: prints "READY <pid> <anon address> <shmem address>" and waits for a line on stdin.
 * As PID 1 in a guest: prints "ZSD-READY ..." on the console and sleeps for ever.
 *
 * Build: gcc -static -O2 -o elf-fill scripts/elf-fill.c
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>

#define PAGE 4096

static long env_or(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v ? strtol(v, NULL, 0) : dflt;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* page = tag (4 bytes) + index (u32) + 8 words of noise + text, so it compresses like real data */
static void fill_page(unsigned char *p, const char *tag, uint32_t index)
{
	memset(p, 0, PAGE);
	memcpy(p, tag, 4);
	memcpy(p + 4, &index, 4);
	for (int w = 0; w < 64; w++) {
		uint64_t v = mix(((uint64_t)tag[3] << 40) ^ ((uint64_t)index << 8) ^ w);
		memcpy(p + 8 + 8 * w, &v, 8);
	}
	int at = 8 + 8 * 64;
	while (at < PAGE - 64)
		at += snprintf((char *)p + at, PAGE - at, "zswap-dedup fill %s page %u; ", tag, index);
}

int main(void)
{
	long unique = env_or("FILL_UNIQUE", 48), dup = env_or("FILL_DUP", 8), zero = env_or("FILL_ZERO", 4);
	long untouched = env_or("FILL_UNTOUCHED", 16), shmem = env_or("FILL_SHMEM", 8);
	long anon_pages = unique + dup + zero + untouched;
	unsigned char *anon = mmap(NULL, anon_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *sh = mmap(NULL, (shmem ? shmem : 1) * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* no transparent huge pages: the fixture wants 4 KiB anonymous pages */
	madvise(anon, anon_pages * PAGE, MADV_NOHUGEPAGE);
	long p = 0;
	for (long i = 0; i < unique; i++, p++)
		fill_page(anon + p * PAGE, "ZSDA", (uint32_t)i);
	for (long i = 0; i < dup; i++, p++)
		fill_page(anon + p * PAGE, "ZSDD", 0);
	for (long i = 0; i < zero; i++, p++) {
		anon[p * PAGE] = 1;
		anon[p * PAGE] = 0;
	}
	for (long i = 0; i < shmem; i++)
		fill_page(sh + i * PAGE, "ZSDS", (uint32_t)i);

	if (getpid() == 1) {
		int fd = open("/dev/console", O_WRONLY);
		if (fd >= 0) {
			dprintf(fd, "\nZSD-READY anon=%ld shmem=%ld\n", unique + dup + zero, shmem);
			close(fd);
		}
		for (;;)
			pause();
	}
	printf("READY %d %p %p\n", getpid(), (void *)anon, (void *)sh);
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return 0;
	return 0;
}
