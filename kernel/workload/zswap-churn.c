// SPDX-License-Identifier: GPL-2.0-only
/*
 * zswap-churn: a scripted multi-phase workload whose every zswap event is
 * known, for proving the analyzer's replay over time against the kernel.
 *
 * Usage: zswap-churn [-t CTL,ACK] PAGESET SCRIPT
 *
 * PAGESET is a file of whole 4 KiB pages.  Two processes take part: process 0
 * (this one) and process 1 (forked before anything is mapped, so that no
 * anonymous page is shared copy-on-write between them).  Both pin themselves
 * to CPU 0, so that madvise()'s lru_add_drain() sees every page they wrote.
 * SCRIPT has one command per line:
 *
 *   region P N         map N anonymous pages in process P (no THP)
 *   fill P FIRST N SRC copy PAGESET pages SRC.. into pages FIRST.. of P
 *   out P FIRST N      MADV_PAGEOUT each page in turn: one zswap store each
 *                      (or a zero page for the zeromap, or a reject)
 *   outw P FIRST N     as out, and after each page that went to the swap
 *                      device wait until zswap is quiet: a reject while the
 *                      pool is full queues the shrink worker
 *   in P FIRST N       write-fault each page (a byte written with its own
 *                      value): a swap-in through the swap cache, which frees
 *                      the zswap entry and, being a write, the swap slot
 *   free P FIRST N     MADV_DONTNEED: swapped pages' slots (and entries) freed
 *   exit P             process P exits; its swapped pages' slots are freed
 *   compact            drop_caches=2: the zsmalloc shrinker compacts the pool
 *   phase NAME         print the counters, prefixed by "phase NAME"
 *   step NAME          the same without the zsmalloc classes
 *
 * With -t, a recording runs beside it (`zswap-dedup capture --trigger
 * CTL,ACK`): the first line on stdout is "pids P0 P1", and after printing the
 * counters of each "phase" the workload writes "sample" to the named pipe CTL
 * and waits for the recording's "ack N" on ACK, so that the sample sees
 * exactly the state the phase left; at the end of the script it writes
 * "stop" and waits for "ack stop" (the recording is complete).
 *
 * Counters: every file of /sys/kernel/debug/zswap ("zswap.NAME VALUE"), the
 * swap and global-reclaim lines of /proc/vmstat ("vmstat.NAME VALUE") and
 * each line of the zswap pool's /sys/kernel/debug/zsmalloc/<pool>/classes
 * ("zsmalloc LINE").
 * Anything that fails ends the program with a message and status 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SZ 4096UL
#define ZSWAP_DIR "/sys/kernel/debug/zswap"
#define ZSMALLOC_DIR "/sys/kernel/debug/zsmalloc"

static unsigned char *pageset;
static unsigned long pageset_pages;
static unsigned char *region;
static unsigned long region_pages;
/* -t: the recording's named pipes (-1: none) */
static int trigger_ctl = -1, trigger_ack = -1;

static void die(const char *what)
{
	fprintf(stderr, "zswap-churn[%d]: %s: %s\n", getpid(), what,
		errno ? strerror(errno) : "failed");
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

static long read_vmstat(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		die("/proc/vmstat");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Is a kworker executing zswap's shrink work now?  While it runs a work item
 * its comm reads "kworker/...+<workqueue>", afterwards "-<workqueue>"
 * (wq_worker_comm()).
 */
static int shrink_worker_busy(void)
{
	char path[300], comm[64];
	struct dirent *d;
	int busy = 0, fd;
	ssize_t n;
	DIR *proc = opendir("/proc");

	if (!proc)
		die("/proc");
	while (!busy && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[n > 0 ? n : 0] = 0;
		busy = !!strstr(comm, "+zswap-shrink");
	}
	closedir(proc);
	return busy;
}

static long reject_counters(void)
{
	return read_long(ZSWAP_DIR "/reject_compress_fail") +
	       read_long(ZSWAP_DIR "/reject_compress_poor") +
	       read_long(ZSWAP_DIR "/reject_alloc_fail");
}

/*
 * A store refused while the pool is full queued the shrink worker: give it
 * the CPU (the test guest has one) and wait until no worker runs it and the
 * pool, writeback and swap-out counters stand still over three looks.
 */
static void settle(void)
{
	long last[3] = { -1, -1, -1 }, now[3];
	int still = 0;

	sleep_ms(100);
	while (still < 3) {
		now[0] = read_long(ZSWAP_DIR "/pool_total_size");
		now[1] = read_long(ZSWAP_DIR "/written_back_pages");
		now[2] = read_vmstat("pswpout");
		if (shrink_worker_busy() || memcmp(now, last, sizeof(now)))
			still = 0;
		else
			still++;
		memcpy(last, now, sizeof(now));
		sleep_ms(50);
	}
}

static void print_counters(const char *name, int classes)
{
	char path[512], line[512];
	static const char * const swap[] = {
		"pswpin", "pswpout", "zswpin", "zswpout", "zswpwb",
		"swpin_zero", "swpout_zero", "pgscan_kswapd", "pgscan_direct",
		NULL
	};
	const char * const *s;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	printf("phase %s\n", name);
	dir = opendir(ZSWAP_DIR);
	if (!dir)
		die(ZSWAP_DIR);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), ZSWAP_DIR "/%s", d->d_name);
		printf("zswap.%s %ld\n", d->d_name, read_long(path));
	}
	closedir(dir);
	for (s = swap; *s; s++)
		printf("vmstat.%s %ld\n", *s, read_vmstat(*s));
	if (!classes)
		goto end;
	dir = opendir(ZSMALLOC_DIR);
	if (!dir)
		die(ZSMALLOC_DIR);
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "zswap", 5))
			continue;
		snprintf(path, sizeof(path), ZSMALLOC_DIR "/%s/classes",
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			die(path);
		while (fgets(line, sizeof(line), f))
			printf("zsmalloc %s", line);
		fclose(f);
	}
	closedir(dir);
end:
	printf("end %s\n", name);
	fflush(stdout);
}

/* Ask the recording for COMMAND and wait for its answer, "ack ..." */
static void trigger(const char *command)
{
	char answer[64];
	size_t n = 0;

	if (write(trigger_ctl, command, strlen(command)) != (ssize_t)strlen(command) ||
	    write(trigger_ctl, "\n", 1) != 1)
		die("the CTL pipe");
	for (;;) {
		if (read(trigger_ack, answer + n, 1) != 1)
			die("the ACK pipe");
		if (answer[n] == '\n' || n == sizeof(answer) - 2)
			break;
		n++;
	}
	answer[n] = 0;
	if (strncmp(answer, "ack ", 4)) {
		errno = EPROTO;
		die(answer);
	}
}

/* -t CTL,ACK: opening CTL waits for the recording to open it */
static void open_trigger(char *arg)
{
	char *ack = strchr(arg, ',');

	if (!ack) {
		errno = EINVAL;
		die("-t CTL,ACK");
	}
	*ack++ = 0;
	trigger_ctl = open(arg, O_WRONLY);
	if (trigger_ctl < 0)
		die(arg);
	trigger_ack = open(ack, O_RDONLY);
	if (trigger_ack < 0)
		die(ack);
}

static unsigned char *region_page(unsigned long i)
{
	if (i >= region_pages) {
		errno = ERANGE;
		die("page outside the region");
	}
	return region + i * PAGE_SZ;
}

/* One command of process P's own; returns 0, or 1 for "exit". */
static int run(char *cmd)
{
	unsigned long first, n, src, i;
	long before, rejects;

	if (sscanf(cmd, "region %lu", &n) == 1) {
		region = mmap(NULL, n * PAGE_SZ, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED)
			die("mmap");
		/* EINVAL: a kernel without THP */
		if (madvise(region, n * PAGE_SZ, MADV_NOHUGEPAGE) &&
		    errno != EINVAL)
			die("MADV_NOHUGEPAGE");
		region_pages = n;
	} else if (sscanf(cmd, "fill %lu %lu %lu", &first, &n, &src) == 3) {
		if (src + n > pageset_pages) {
			errno = ERANGE;
			die("fill beyond the page set");
		}
		for (i = 0; i < n; i++)
			memcpy(region_page(first + i), pageset + (src + i) * PAGE_SZ,
			       PAGE_SZ);
	} else if (sscanf(cmd, "out %lu %lu", &first, &n) == 2 ||
		   sscanf(cmd, "outw %lu %lu", &first, &n) == 2) {
		for (i = 0; i < n; i++) {
			before = read_vmstat("pswpout");
			rejects = reject_counters();
			if (madvise(region_page(first + i), PAGE_SZ, MADV_PAGEOUT))
				die("MADV_PAGEOUT");
			/* to the swap device, not for the compressor: the limit */
			if (cmd[3] == 'w' && read_vmstat("pswpout") != before &&
			    reject_counters() == rejects)
				settle();
		}
	} else if (sscanf(cmd, "in %lu %lu", &first, &n) == 2) {
		for (i = 0; i < n; i++) {
			unsigned char *p = region_page(first + i);

			/* a write access from the start, the byte unchanged */
			asm volatile("lock orb $0, %0" : "+m" (*p));
		}
	} else if (sscanf(cmd, "free %lu %lu", &first, &n) == 2) {
		if (madvise(region_page(first), n * PAGE_SZ, MADV_DONTNEED))
			die("MADV_DONTNEED");
		region_page(first + n - 1);
	} else if (strcmp(cmd, "exit")) {
		errno = EINVAL;
		die(cmd);
	}
	return !strcmp(cmd, "exit");
}

/* Process 1: commands from `cmd`, an answer on `ack` for each. */
static void child(int cmd, int ack)
{
	char buf[256];
	ssize_t n;

	for (;;) {
		n = read(cmd, buf, sizeof(buf) - 1);
		if (!n)
			exit(0);	/* process 0 is done */
		if (n < 0)
			die("command pipe");
		buf[n] = 0;
		if (run(buf))
			exit(0);
		if (write(ack, "k", 1) != 1)
			die("ack pipe");
	}
}

static void load_pageset(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		die(path);
	pageset_pages = st.st_size / PAGE_SZ;
	pageset = malloc(st.st_size ? st.st_size : 1);
	if (!pageset || read(fd, pageset, st.st_size) != st.st_size)
		die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	int to_child[2], from_child[2], status, proc, off;
	char line[256], cmd[256], verb[32];
	cpu_set_t cpu0;
	pid_t pid;
	FILE *script;
	char ack, *trigger_arg = NULL;

	if (argc == 5 && !strcmp(argv[1], "-t")) {
		trigger_arg = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: zswap-churn [-t CTL,ACK] PAGESET SCRIPT\n");
		return 2;
	}
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
	load_pageset(argv[1]);
	script = fopen(argv[2], "r");
	if (!script)
		die(argv[2]);
	if (pipe(to_child) || pipe(from_child))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(to_child[1]);
		close(from_child[0]);
		child(to_child[0], from_child[1]);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (trigger_arg) {
		printf("pids %d %d\n", getpid(), pid);
		fflush(stdout);
		open_trigger(trigger_arg);
	}

	while (fgets(line, sizeof(line), script)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (!strncmp(line, "phase ", 6) || !strncmp(line, "step ", 5)) {
			print_counters(strchr(line, ' ') + 1, line[0] == 'p');
			if (line[0] == 'p' && trigger_ctl >= 0)
				trigger("sample");
			continue;
		}
		if (!strcmp(line, "compact")) {
			int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

			if (fd < 0 || write(fd, "2", 1) != 1)
				die("drop_caches");
			close(fd);
			continue;
		}
		/* "VERB P ARGS": process P runs "VERB ARGS" */
		off = 0;
		if (sscanf(line, "%31s %d %n", verb, &proc, &off) < 2 ||
		    proc < 0 || proc > 1) {
			errno = EINVAL;
			die(line);
		}
		snprintf(cmd, sizeof(cmd), "%s%s%s", verb,
			 off && line[off] ? " " : "", off ? line + off : "");
		if (proc == 0) {
			if (run(cmd))
				break;
			continue;
		}
		if (write(to_child[1], cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
			die("command pipe");
		if (!strcmp(cmd, "exit")) {
			if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			    WEXITSTATUS(status))
				die("process 1 exit");
			continue;
		}
		if (read(from_child[0], &ack, 1) != 1)
			die("process 1 failed");
	}
	fclose(script);
	if (trigger_ctl >= 0)
		trigger("stop");
	return 0;
}
