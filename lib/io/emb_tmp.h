/*
 * emb_tmp: the names of emb_out's temporary files, and the removal of stale ones.
 *
 * A named output DIR/NAME is written to DIR/.NAME.embkit.HOST.PID.XXXXXX (mkstemp fills the
 * X's; NAME is cut to 100 bytes) and renamed over DIR/NAME when complete; an error or a caught
 * signal unlinks it.  Only SIGKILL, a crash or a power cut leaves one behind, and then its name
 * says where it came from: `ls -a DIR`, or `find DIR -name '.*.embkit.*'`.
 *
 * emb_tmp_sweep() removes such leftovers when that is safe: files of exactly this pattern, in
 * the directory of an output being opened, that belong to the calling user, were made on this
 * host (HOST) by a process (PID) that no longer exists, and have not been modified for
 * EMB_TMP_STALE_SECONDS.  A live writer keeps its PID alive, so its file is never touched;
 * the age guards a PID reused in another PID namespace, and the host a directory shared
 * between machines.
 */
#ifndef EMB_TMP_H
#define EMB_TMP_H

#define EMB_TMP_STALE_SECONDS 600

/* A new mkstemp template for an output at PATH (malloc'd; NULL when memory is short). */
char *emb_tmp_template(const char *path);

/*
 * Remove stale temporary files (see above) from the directory of PATH.  Best effort: it never
 * fails and reports nothing; each directory is swept once per process.  Returns how many
 * files it removed.
 */
int emb_tmp_sweep(const char *path);

#endif
