/*
 * Fills memory with known content for the ELF fixtures (scripts/make-gcore-fixture.sh,
 * scripts/make-elf-vmcore-fixture.sh): a process (or a guest's init) whose anonymous and shared
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
 *    or, for a guest init of a few KiB (so its own file pages hardly count), with the kernel's
 *    nolibc: gcc -static -nostdlib -Os -include tools/include/nolibc/nolibc.h ...
 */
#ifndef NOLIBC
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>
#endif

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

/* appends s, then n in decimal when n >= 0; returns the new end */
static char *put(char *at, const char *end, const char *s, long n)
{
	while (*s && at < end)
		*at++ = *s++;
	if (n >= 0) {
		char digits[24];
		int k = 0;
		do
			digits[k++] = (char)('0' + n % 10);
		while ((n /= 10) > 0);
		while (k > 0 && at < end)
			*at++ = digits[--k];
	}
	return at;
}

/* page = tag (4 bytes) + index (u32) + 64 words of noise + text, so it compresses like real data */
static void fill_page(unsigned char *p, const char *tag, uint32_t index)
{
	memset(p, 0, PAGE);
	memcpy(p, tag, 4);
	memcpy(p + 4, &index, 4);
	for (int w = 0; w < 64; w++) {
		uint64_t v = mix(((uint64_t)tag[3] << 40) ^ ((uint64_t)index << 8) ^ w);
		memcpy(p + 8 + 8 * w, &v, 8);
	}
	char tag0[5] = { tag[0], tag[1], tag[2], tag[3], 0 };
	char *at = (char *)p + 8 + 8 * 64, *end = (char *)p + PAGE - 64;
	while (at < end) {
		at = put(at, end, "zswap-dedup fill ", -1);
		at = put(at, end, tag0, -1);
		at = put(at, end, " page ", index);
		at = put(at, end, "; ", -1);
	}
}

int main(void)
{
	long unique = env_or("FILL_UNIQUE", 48), dup = env_or("FILL_DUP", 8), zero = env_or("FILL_ZERO", 4);
	long untouched = env_or("FILL_UNTOUCHED", 16), shmem = env_or("FILL_SHMEM", 8);
	long anon_pages = unique + dup + zero + untouched;
	unsigned char *anon = mmap(NULL, anon_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *sh = mmap(NULL, (shmem ? shmem : 1) * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || sh == MAP_FAILED)
		return 1;
	/* no transparent huge pages: the fixture wants 4 KiB anonymous pages */
#ifdef NOLIBC
	my_syscall3(__NR_madvise, anon, anon_pages * PAGE, 15 /* MADV_NOHUGEPAGE */);
#else
	madvise(anon, anon_pages * PAGE, MADV_NOHUGEPAGE);
#endif
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

	char msg[160], *m = msg, *end = msg + sizeof msg;
	if (getpid() == 1) {
		m = put(m, end, "\nZSD-READY anon=", unique + dup + zero);
		m = put(m, end, " shmem=", shmem);
		m = put(m, end, "\n", -1);
		int fd = open("/dev/console", O_WRONLY);
		if (fd >= 0) {
			write(fd, msg, m - msg);
			close(fd);
		}
		for (;;)
			sleep(3600);
	}
	m = put(m, end, "READY ", getpid());
	m = put(m, end, " ", (long)(uintptr_t)anon);
	m = put(m, end, " ", (long)(uintptr_t)sh);
	m = put(m, end, "\n", -1);
	write(1, msg, m - msg);
	char line[16];
	read(0, line, sizeof line);
	return 0;
}
