/*
 * cli: the front end shared by every tool (only cmd/ prints or exits).
 *
 * Program name, usage errors (exit 2), error reports (exit 1), the common options (-h -V -q
 * --progress --list-options, and for tools that write -z/--gzip --level), strict parsing of
 * option values with messages that say what is wrong, progress lines and the end-of-run summary
 * on stderr, and process hygiene: SIGINT/SIGTERM/SIGHUP/SIGPIPE remove temporary outputs and
 * then re-raise, so `tool | head` ends like any Unix filter (status 141 from the shell, nothing
 * on stderr) and an interrupted run leaves no partial file.
 */
#ifndef EMB_CLI_H
#define EMB_CLI_H

#include <getopt.h>
#include <limits.h>  /* LONG_MAX, */
#include <math.h>    /* HUGE_VAL, */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>  /* UINT64_MAX, SIZE_MAX: the bounds the option parsers take */

#include "embkit.h"

#define EMBKIT_VERSION EMB_VERSION /* from VERSION, through emb_version.h */

enum {
	CLI_OPT_PROGRESS = 0x1000,
	CLI_OPT_LIST_OPTIONS,
	CLI_OPT_LEVEL,
	CLI_OPT_FORCE,
	CLI_OPT_FIRST_TOOL = 0x1100, /* tools number their long-only options from here */
};

struct cli_common {
	int quiet;         /* -q */
	int progress;      /* --progress forces progress; default: when stderr is a terminal */
	int gzip;          /* -z */
	int level;         /* --level, -1 = default */
	int force;         /* --force */
};

#define CLI_COMMON_INIT { 0, 0, 0, -1, 0 }

#define CLI_COMMON_SHORTOPTS "hVq"
#define CLI_COMMON_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "progress", no_argument, NULL, CLI_OPT_PROGRESS }, \
	{ "list-options", no_argument, NULL, CLI_OPT_LIST_OPTIONS }
#define CLI_COMMON_HELP \
	"  -q, --quiet          no progress and no summary on stderr\n" \
	"      --progress       show progress even when stderr is not a terminal\n" \
	"  -h, --help           display this help and exit\n" \
	"  -V, --version        output version information and exit\n"

#define CLI_OUTPUT_SHORTOPTS "z"
#define CLI_OUTPUT_LONGOPTS \
	{ "gzip", no_argument, NULL, 'z' }, \
	{ "level", required_argument, NULL, CLI_OPT_LEVEL }, \
	{ "force", no_argument, NULL, CLI_OPT_FORCE }
#define CLI_OUTPUT_HELP \
	"  -z, --gzip           gzip the output (also when its name ends in .gz)\n" \
	"      --level=N        gzip level 0-12 (default 1; 0 = uncompressed)\n" \
	"      --force          write binary output even to a terminal\n"

extern const char *cli_progname;

/* Set the program name (basename of argv0 or NAME), install signal handlers and atexit cleanup. */
void cli_init(const char *argv0);

/* "PROG: msg\nTry 'PROG --help' for more information." on stderr; returns 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: msg" on stderr; returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: warning: msg" on stderr unless quiet. */
void cli_warn(const struct cli_common *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * An old short letter that now means something else in embkit (see embkit(7)) but still works
 * in this tool for one release: "PROG: warning: -t 512 is deprecated: use --max-tokens=512" on
 * stderr, even with -q (a script's author must see it; -q may come later on the line).
 */
void cli_deprecated(char letter, const char *arg, const char *name);
/* Print err ("PROG: FILE:LINE: msg"); returns 2 for EMB_EINVAL, 130 for EMB_EINTR, else 1. */
int cli_report(const struct emb_err *err);
/* The exit status for an error CODE: 2 usage (EMB_EINVAL), 130 interrupted, else 1. */
int cli_status(int code);

/*
 * Handle a common option; returns only for the ones it stores (-q --progress -z --level --force).
 * -h prints USAGE to stdout and exits 0; -V the version; --list-options prints each long option
 * of LONGOPTS ("--name" or "--name="), then "-x --name" for each whose val is a letter or digit
 * (an entry's val is its short letter exactly when the tool takes that letter), and exits 0;
 * anything else is a usage error (exit 2).
 */
void cli_common_option(int c, const char *usage, const struct option *longopts,
		       struct cli_common *common);

/*
 * For a subcommand's options: getopt names itself after argv[0], so parsing ARGV + 1 would
 * make it say "stats: unrecognized option".  Puts the tool's name in argv[1] (the
 * subcommand's name is no longer there) and returns argv + 1, to be parsed with argc - 1.
 */
char **cli_subcommand_argv(char **argv);

/* Flush stdout and report a delayed write error; returns 0 or 1. */
int cli_close_stdout(void);

/* Strict parsers of data (not options): whole string, no sign for unsigned.  0 or -1. */
int cli_parse_u64(const char *s, uint64_t *v);
int cli_parse_long(const char *s, long *v);
int cli_parse_double(const char *s, double *v);

/*
 * Option values.  Each parser takes the option's long NAME and its ARG, accepts the whole of ARG
 * or nothing, and stores the value only when it is valid.  It returns 0, or prints a usage error
 * that says what is wrong ("invalid --k 'x': not a number", "invalid --k '0': out of range (1 to
 * 16777216)") and returns 2, the exit status, so a caller writes
 *	if ((rc = cli_parse_size("batch-size", optarg, 1, SIZE_MAX, &o.batch_size)))
 *		return rc;
 * Bounds are inclusive; an unsigned option given a negative value is out of range.
 */
int cli_parse_count(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *v);
int cli_parse_size(const char *name, const char *arg, size_t min, size_t max, size_t *v);
int cli_parse_uint(const char *name, const char *arg, unsigned min, unsigned max, unsigned *v);
int cli_parse_int(const char *name, const char *arg, int min, int max, int *v);
int cli_parse_range(const char *name, const char *arg, long min, long max, long *v);

enum {
	CLI_REAL_ABOVE_MIN = 1, /* MIN itself is out of range (e.g. "greater than 0") */
	CLI_REAL_INF = 2,       /* "inf" stands for +infinity (a norm's p) */
};
/* A finite real in [MIN, MAX] (FLAGS: CLI_REAL_*). */
int cli_parse_real(const char *name, const char *arg, double min, double max, unsigned flags,
		   double *v);

/*
 * ARG one of CHOICES (a NULL-terminated list): *v is its index.  Otherwise a usage error listing
 * the choices ("invalid --split 'x' (ws or words)"), returning 2.
 */
int cli_parse_choice(const char *name, const char *arg, const char *const *choices, int *v);
/* --split: 'ws' or 'words', as every tool that tokenizes takes it. */
int cli_parse_split(const char *arg, enum emb_split *v);

/*
 * The end-of-run summary: "PROG: msg" on stderr after ending any progress line, unless quiet.
 * Whether a tool prints one at all (always, or only with progress) is its man page's business.
 */
void cli_summary(const struct cli_common *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fill emb_out_opts from the common options (and the output's name for .gz). */
void cli_out_opts(const struct cli_common *c, struct emb_out_opts *o, unsigned flags);

/*
 * Binary output to a terminal garbles it: when PATH is standard output ("-") and a terminal,
 * refuse BINARY output unless --force (a usage error, returns 2); else 0.  Called before the
 * output is opened, so nothing has been written yet.
 */
int cli_refuse_terminal(const struct cli_common *c, const char *path, bool binary);

/* Progress on stderr: enabled by --progress, or when stderr is a terminal and not --quiet. */
bool cli_progress_enabled(const struct cli_common *c);
/* Rewrite the progress line ("\rmsg\x1b[K"); rate-limited by the caller. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End the progress line (newline) if one was printed. */
void cli_progress_done(void);

/* The online CPUs, at least 1 and at most MAX: the default of a tool's --threads. */
int cli_online_cpus(int max);

/* Monotonic seconds. */
double cli_now(void);

/* Set by SIGINT/SIGTERM when a tool asked to handle them itself (cli_catch_interrupt). */
extern volatile sig_atomic_t cli_interrupted;
/* Make SIGINT/SIGTERM only set cli_interrupted (for tools that stop cleanly, e.g. embtrain). */
void cli_catch_interrupt(void);

#endif
