/*
 * emb_float: exact text <-> float32 conversion, the hot path of every text format.
 *
 * emb_float_parse() is correctly rounded (the float nearest the decimal value, as strtof),
 * much faster than strtof; emb_float_format() writes the shortest decimal that parses back to
 * the same float, so binary -> text -> binary is bit-exact.
 */
#ifndef EMB_FLOAT_H
#define EMB_FLOAT_H

#include <stddef.h>

/*
 * Parse a float at s (no leading space) up to at most end.  Accepts [+-]digits[.digits][e[+-]d],
 * ".5", "inf"/"infinity"/"nan" (any case).  Returns the number of bytes used, 0 if s does not
 * start with a number.
 */
size_t emb_float_parse(const char *s, const char *end, float *v);

/* Shortest round-trip form of v into dst (at least EMB_FLOAT_MAX chars); returns its length. */
#define EMB_FLOAT_MAX 32
size_t emb_float_format(char *dst, float v);

/* v with exactly `digits` digits after the point ("%.*f"-like, but fast); returns length. */
size_t emb_float_format_fixed(char *dst, float v, int digits);

#endif
