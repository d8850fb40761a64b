/*
 * A scratch directory for one unit test file: `dir` is created by the cmocka group setup
 * tmpdir_setup() and removed with everything in it by tmpdir_teardown().
 */
#ifndef UNIT_TMPDIR_H
#define UNIT_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char dir[] = "/tmp/embkit_unit_XXXXXX";

static int tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

/* DIR/NAME; the last four results stay valid. */
static inline const char *path(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int tmpdir_teardown(void **state)
{
	char cmd[sizeof dir + 16];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
