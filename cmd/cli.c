/* cli: the shared front end.  See cli.h. */
#include "cli.h"

#include <errno.h>
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

int cli_report(const struct emb_err *err)
{
	if (err->code == EMB_EINVAL)
		return cli_usage_error("%s", err->msg);
	cli_error("%s", err->msg[0] ? err->msg : "unknown error");
	return err->code == EMB_EINTR ? 130 : 1;
}

void cli_common_option(int c, const char *usage, const struct option *longopts,
		       struct cli_common *common)
{
	long lv;

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
		if (cli_parse_long(optarg, &lv) < 0 || lv < 0 || lv > 12)
			exit(cli_usage_error("invalid --level '%s' (0-12)", optarg));
		common->level = (int)lv;
		return;
	case CLI_OPT_LIST_OPTIONS:
		for (const struct option *o = longopts; o && o->name; o++)
			if (strcmp(o->name, "list-options") != 0)
				printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
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

void cli_out_opts(const struct cli_common *c, struct emb_out_opts *o, unsigned flags)
{
	o->flags = flags | (c->gzip ? EMB_OUT_GZIP : 0) | (c->force ? EMB_OUT_FORCE : 0);
	if (c->level >= 0)
		o->level = c->level;
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

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
