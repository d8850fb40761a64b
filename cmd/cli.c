/* cli: the shared front end.  See cli.h. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_progname = "embkit";
volatile sig_atomic_t cli_interrupted;
static bool progress_shown;

static void on_fatal_signal(int sig)
{
	emb_out_cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_interrupt(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

static void at_exit_cleanup(void)
{
	emb_out_cleanup_all();
}

void cli_init(const char *argv0)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	const char *slash = strrchr(argv0, '/');

	cli_progname = slash ? slash + 1 : argv0;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sigaction(sigs[i], NULL, &sa);
		if (sa.sa_handler == SIG_IGN && sigs[i] != SIGPIPE)
			continue; /* nohup & co: keep ignoring */
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sigaction(sigs[i], &sa, NULL);
	}
	atexit(at_exit_cleanup);
}

void cli_catch_interrupt(void)
{
	struct sigaction sa;

	static const int sigs[] = { SIGINT, SIGTERM };

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		memset(&sa, 0, sizeof sa);
		sigaction(sigs[i], NULL, &sa);
		if (sa.sa_handler == SIG_IGN)
			continue; /* nohup & co: keep ignoring, as cli_init does */
		sa.sa_handler = on_interrupt;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sigaction(sigs[i], &sa, NULL);
	}
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	cli_progress_done();
	fprintf(stderr, "%s: %s", cli_progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", cli_progname);
	return 2;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return 1;
}

void cli_warn(const struct cli_common *c, const char *fmt, ...)
{
	va_list ap;

	if (c && c->quiet)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_deprecated(char letter, const char *arg, const char *name)
{
	cli_warn(NULL, "-%c %s is deprecated: use --%s=%s", letter, arg, name, arg);
}

int cli_status(int code)
{
	return code == EMB_EINVAL ? 2 : code == EMB_EINTR ? 130 : 1;
}

int cli_report(const struct emb_err *err)
{
	if (err->code == EMB_EINVAL)
		return cli_usage_error("%s", err->msg);
	cli_error("%s", err->msg[0] ? err->msg : "unknown error");
	return cli_status(err->code);
}

void cli_common_option(int c, const char *usage, const struct option *longopts,
		       struct cli_common *common)
{
	switch (c) {
	case 'h':
		fputs(usage, stdout);
		exit(cli_close_stdout());
	case 'V':
		printf("%s (embkit) %s\n", cli_progname, EMBKIT_VERSION);
		exit(cli_close_stdout());
	case 'q':
		common->quiet = 1;
		common->progress = 0;
		return;
	case CLI_OPT_PROGRESS:
		common->progress = 1;
		return;
	case 'z':
		common->gzip = 1;
		return;
	case CLI_OPT_FORCE:
		common->force = 1;
		return;
	case CLI_OPT_LEVEL:
		if (cli_parse_int("level", optarg, 0, 12, &common->level))
			exit(2);
		return;
	case CLI_OPT_LIST_OPTIONS:
		for (const struct option *o = longopts; o && o->name; o++)
			if (strcmp(o->name, "list-options") != 0)
				printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
		/* then "-t --to": the letters, so a test can hold them to one meaning across tools */
		for (const struct option *o = longopts; o && o->name; o++)
			if (o->val > 0 && o->val < 128 && isalnum(o->val))
				printf("-%c --%s\n", o->val, o->name);
		exit(cli_close_stdout());
	default: /* getopt already said what was wrong */
		fprintf(stderr, "Try '%s --help' for more information.\n", cli_progname);
		exit(2);
	}
}

char **cli_subcommand_argv(char **argv)
{
	argv[1] = (char *)cli_progname;
	return argv + 1;
}

int cli_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return 0;
		fprintf(stderr, "%s: <stdout>: write error: %s\n", cli_progname, strerror(errno));
		return 1;
	}
	return 0;
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int cli_parse_long(const char *s, long *v)
{
	char *end;
	long x;

	if (!s || !*s || *s == ' ')
		return -1;
	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int cli_parse_double(const char *s, double *v)
{
	char *end;
	double x;

	if (!s || !*s || *s == ' ')
		return -1;
	errno = 0;
	x = strtod(s, &end);
	if (errno || *end || !isfinite(x))
		return -1;
	*v = x;
	return 0;
}

enum { NUM_OK, NUM_NAN, NUM_RANGE };

/* S as a sign and a decimal magnitude: NUM_OK, NUM_NAN (not an integer) or NUM_RANGE. */
static int scan_integer(const char *s, bool *neg, uint64_t *mag)
{
	char *end;

	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return NUM_NAN;
	errno = 0;
	*mag = strtoull(s, &end, 10);
	if (*end)
		return NUM_NAN;
	return errno == ERANGE ? NUM_RANGE : NUM_OK;
}

static int bad_value(const char *name, const char *arg, int fault, const char *bounds)
{
	if (fault == NUM_NAN)
		return cli_usage_error("invalid --%s '%s': not a number", name, arg);
	return cli_usage_error("invalid --%s '%s': out of range (%s)", name, arg, bounds);
}

int cli_parse_count(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *v)
{
	char bounds[64];
	uint64_t x = 0;
	bool neg;
	int fault = scan_integer(arg, &neg, &x);

	if (fault == NUM_OK && ((neg && x) || x < min || x > max))
		fault = NUM_RANGE;
	if (fault == NUM_OK) {
		*v = x;
		return 0;
	}
	if (max == UINT64_MAX || max == SIZE_MAX)
		snprintf(bounds, sizeof bounds, "at least %llu", (unsigned long long)min);
	else
		snprintf(bounds, sizeof bounds, "%llu to %llu", (unsigned long long)min,
			 (unsigned long long)max);
	return bad_value(name, arg, fault, bounds);
}

int cli_parse_size(const char *name, const char *arg, size_t min, size_t max, size_t *v)
{
	uint64_t x;
	int rc = cli_parse_count(name, arg, min, max, &x);

	if (rc == 0)
		*v = (size_t)x;
	return rc;
}

int cli_parse_uint(const char *name, const char *arg, unsigned min, unsigned max, unsigned *v)
{
	uint64_t x;
	int rc = cli_parse_count(name, arg, min, max, &x);

	if (rc == 0)
		*v = (unsigned)x;
	return rc;
}

int cli_parse_range(const char *name, const char *arg, long min, long max, long *v)
{
	char bounds[64];
	uint64_t mag = 0;
	bool neg;
	long x = 0;
	int fault = scan_integer(arg, &neg, &mag);

	if (fault == NUM_OK) {
		if (mag > (uint64_t)LONG_MAX + neg)
			fault = NUM_RANGE;
		else if (neg)
			x = mag == (uint64_t)LONG_MAX + 1 ? LONG_MIN : -(long)mag;
		else
			x = (long)mag;
	}
	if (fault == NUM_OK && (x < min || x > max))
		fault = NUM_RANGE;
	if (fault == NUM_OK) {
		*v = x;
		return 0;
	}
	if (max == LONG_MAX)
		snprintf(bounds, sizeof bounds, "at least %ld", min);
	else
		snprintf(bounds, sizeof bounds, "%ld to %ld", min, max);
	return bad_value(name, arg, fault, bounds);
}

int cli_parse_int(const char *name, const char *arg, int min, int max, int *v)
{
	long x;
	int rc = cli_parse_range(name, arg, min, max, &x);

	if (rc == 0)
		*v = (int)x;
	return rc;
}

int cli_parse_real(const char *name, const char *arg, double min, double max, unsigned flags,
		   double *v)
{
	char bounds[96];
	const char *p = arg + (*arg == '-' || *arg == '+');
	char *end;
	double x = 0;
	int fault = NUM_OK;

	if ((flags & CLI_REAL_INF) && strcmp(arg, "inf") == 0) {
		x = INFINITY;
	} else if (!isdigit((unsigned char)*p) && *p != '.') {
		fault = NUM_NAN; /* also keeps out strtod's spaces, "nan" and "infinity" */
	} else {
		errno = 0;
		x = strtod(arg, &end);
		if (end == arg || *end)
			fault = NUM_NAN;
		else if (errno == ERANGE || !isfinite(x))
			fault = NUM_RANGE;
	}
	if (fault == NUM_OK && (x < min || x > max || ((flags & CLI_REAL_ABOVE_MIN) && x == min)) &&
	    !(isinf(x) && (flags & CLI_REAL_INF)))
		fault = NUM_RANGE;
	if (fault == NUM_OK) {
		*v = x;
		return 0;
	}
	snprintf(bounds, sizeof bounds, "%s %g%s", flags & CLI_REAL_ABOVE_MIN ? "greater than" :
		 "at least", min, flags & CLI_REAL_INF ? ", or inf" : "");
	if (max < HUGE_VAL && max < DBL_MAX)
		snprintf(bounds + strlen(bounds), sizeof bounds - strlen(bounds), ", at most %g", max);
	return bad_value(name, arg, fault, bounds);
}

int cli_parse_choice(const char *name, const char *arg, const char *const *choices, int *v)
{
	char list[256] = "";
	size_t n = 0, used = 0;

	for (; choices[n]; n++)
		if (strcmp(arg, choices[n]) == 0) {
			*v = (int)n;
			return 0;
		}
	for (size_t i = 0; i < n && used < sizeof list; i++) {
		int k = snprintf(list + used, sizeof list - used, "%s%s", i == 0 ? "" :
				 i + 1 == n ? " or " : ", ", choices[i]);
		used += k > 0 ? (size_t)k : 0;
	}
	return cli_usage_error("invalid --%s '%s' (%s)", name, arg, list);
}

int cli_parse_split(const char *arg, enum emb_split *v)
{
	static const char *const names[] = { "ws", "words", NULL };
	int k, rc = cli_parse_choice("split", arg, names, &k);

	if (rc == 0)
		*v = k == 0 ? EMB_SPLIT_WS : EMB_SPLIT_WORDS;
	return rc;
}

void cli_summary(const struct cli_common *c, const char *fmt, ...)
{
	va_list ap;

	if (c && c->quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_out_opts(const struct cli_common *c, struct emb_out_opts *o, unsigned flags)
{
	o->flags = flags | (c->gzip ? EMB_OUT_GZIP : 0);
	if (c->level >= 0)
		o->level = c->level;
}

int cli_refuse_terminal(const struct cli_common *c, const char *path, bool binary)
{
	if (!binary || c->force || strcmp(path, "-") != 0 || !isatty(1))
		return 0;
	return cli_usage_error("refusing to write binary data to a terminal (use --force)");
}

bool cli_progress_enabled(const struct cli_common *c)
{
	if (c->quiet)
		return false;
	return c->progress || isatty(2);
}

void cli_progress(const char *fmt, ...)
{
	va_list ap;

	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\x1b[K", stderr);
	fflush(stderr);
	progress_shown = true;
}

void cli_progress_done(void)
{
	if (progress_shown) {
		fputc('\n', stderr);
		progress_shown = false;
	}
}

int cli_online_cpus(int max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > max ? max : (int)n;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
