/*
 * emb_float: exact text <-> float32 conversion, the hot path of every text format, and
 * IEEE binary16 <-> binary32 conversion for half-precision tables.
 *
 * emb_float_parse() is correctly rounded (the float nearest the decimal value, as strtof),
 * much faster than strtof; emb_float_format() writes the shortest decimal that parses back to
 * the same float, so binary -> text -> binary is bit-exact.  Everything here is
 * locale-independent ('.' is the decimal point whatever LC_NUMERIC says), never allocates,
 * never prints and keeps no state, so it is safe from any thread.
 */
#ifndef EMB_FLOAT_H
#define EMB_FLOAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a float at s (no leading space) up to at most end.  Accepts [+-]digits[.digits][e[+-]d],
 * ".5", "5.", "inf"/"infinity"/"nan" (any case, optional sign).  Returns the number of bytes
 * used, 0 if s does not start with a number.  Never reads at or past end, nor past a NUL.
 * Out-of-range values give +-inf or +-0 as strtof does (no error is reported: callers that care
 * test isinf()).  Hexadecimal floats and "nan(...)" payloads are not accepted ("0x1p3" parses
 * as "0", "nan(1)" as "nan").
 */
size_t emb_float_parse(const char *s, const char *end, float *v);

/*
 * Shortest round-trip form of v into dst (at least EMB_FLOAT_MAX chars, NUL-terminated);
 * returns its length.  Of all decimals that strtof() maps back to v, the one with the fewest
 * significant digits, and of those the nearest to v (ties to an even last digit), so it is
 * "%.{n}g" for the least n that round-trips whenever that one does.  Written in fixed notation
 * ("0.123456", "-1.5", "120") unless exponent notation ("1e-07", "1.5e+20": at least two
 * exponent digits, as printf) is strictly shorter.  NaN is "nan", infinities "inf" and "-inf",
 * negative zero "-0".
 */
#define EMB_FLOAT_MAX 32
size_t emb_float_format(char *dst, float v);

/*
 * v with exactly `digits` digits after the point into dst, NUL-terminated: byte for byte
 * printf("%.*f", digits, (double)v) in the C locale (a negative digits means 6, as printf).
 * dst needs EMB_FLOAT_FIXED_MAX(digits) chars.  Returns the length.
 */
#define EMB_FLOAT_FIXED_MAX(digits) (48 + (size_t)((digits) < 6 ? 6 : (digits)))
size_t emb_float_format_fixed(char *dst, float v, int digits);

/*
 * IEEE 754 binary16 <-> binary32.  f16 -> f32 is exact.  f32 -> f16 rounds to nearest, ties to
 * even; too large gives +-inf, too small +-0 or a subnormal half.  NaN stays NaN (quieted, top
 * payload bits kept, as the x86 F16C instructions do).  The array versions give the same bits
 * as the scalar ones and use F16C when the CPU has it.
 */
float emb_f16_to_f32(uint16_t h);
uint16_t emb_f32_to_f16(float f);
void emb_f16_to_f32_n(float *dst, const uint16_t *src, size_t n);
void emb_f32_to_f16_n(uint16_t *dst, const float *src, size_t n);

#endif
