/*
 * emb_tmp: temporary output names that say who made them, and the sweep of stale ones.
 * See emb_tmp.h for the pattern and the rules.
 *
 * The sweep reads the directory once per process (a second output in the same directory, such
 * as the next .npz of a batch directory, costs nothing), and parses candidate names from the
 * right: the 6 mkstemp characters, the PID, then our own host name after the last ".embkit.".
 */
#include "emb_tmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARK ".embkit."
#define NAME_KEEP 100 /* bytes of the output's name kept in the temporary name */

/* This host's name with the separators of our pattern ('.', '/') made harmless. */
static void host_name(char *h, size_t cap)
{
	if (gethostname(h, cap) != 0 || !h[0])
		snprintf(h, cap, "host");
	h[cap - 1] = 0;
	for (char *p = h; *p; p++)
		if (*p == '.' || *p == '/')
			*p = '_';
}

char *emb_tmp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, cap;
	char host[65], *t;

	host_name(host, sizeof host);
	cap = dirlen + NAME_KEEP + sizeof host + 64;
	if (!(t = malloc(cap)))
		return NULL;
	memcpy(t, path, dirlen);
	snprintf(t + dirlen, cap - dirlen, ".%.*s" MARK "%s.%ld.XXXXXX", NAME_KEEP, path + dirlen,
		 host, (long)getpid());
	return t;
}

/* The PID of NAME when it is one of our temporary names made on HOST, else 0. */
static long parse_pid(const char *name, const char *host)
{
	size_t n = strlen(name), hl = strlen(host), i;
	const char *mark = NULL, *p, *end;
	long pid = 0;

	if (name[0] != '.' || n < 8)
		return 0;
	for (i = n - 6; i < n; i++) /* mkstemp's letters */
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9')))
			return 0;
	if (name[n - 7] != '.')
		return 0;
	for (p = strstr(name + 1, MARK); p; p = strstr(p + 1, MARK))
		mark = p;
	if (!mark)
		return 0;
	p = mark + strlen(MARK);
	end = name + n - 7;
	if ((size_t)(end - p) < hl + 2 || memcmp(p, host, hl) != 0 || p[hl] != '.')
		return 0;
	for (p += hl + 1; p < end; p++) {
		if (*p < '0' || *p > '9' || pid > 99999999)
			return 0;
		pid = pid * 10 + (*p - '0');
	}
	return pid;
}

static bool is_stale(int dfd, const char *name, long pid, time_t now)
{
	struct stat st;

	if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return false;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_uid == geteuid() && now - st.st_mtime >= EMB_TMP_STALE_SECONDS;
}

int emb_tmp_sweep(const char *path)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char *swept;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char host[65], *dir;
	struct dirent *e;
	time_t now = time(NULL);
	int removed = 0;
	DIR *d;

	if (!(dir = dirlen ? strndup(path, dirlen) : strdup(".")))
		return 0;
	pthread_mutex_lock(&mu);
	if (swept && strcmp(swept, dir) == 0) {
		pthread_mutex_unlock(&mu);
		free(dir);
		return 0;
	}
	free(swept);
	swept = dir;
	host_name(host, sizeof host);
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (is_stale(dirfd(d), e->d_name, parse_pid(e->d_name, host), now) &&
			    unlinkat(dirfd(d), e->d_name, 0) == 0)
				removed++;
		closedir(d);
	}
	pthread_mutex_unlock(&mu);
	return removed;
}
