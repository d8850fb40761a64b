/* emb_err: filling the error record.  See emb_err.h. */
#include "emb_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int emb_err_set(struct emb_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int emb_err_set_at(struct emb_err *err, int code, const char *name, unsigned long long line,
		   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return code;
	err->code = code;
	if (line)
		n = snprintf(err->msg, sizeof err->msg, "%s:%llu: ", name, line);
	else
		n = snprintf(err->msg, sizeof err->msg, "%s: ", name);
	if (n < 0 || (size_t)n >= sizeof err->msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

int emb_err_nomem(struct emb_err *err, const char *what)
{
	return emb_err_set(err, EMB_ENOMEM, "out of memory while %s", what);
}

char *emb_err_token(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;
	size_t shown = n > 60 ? 60 : n;

	if (!cap)
		return dst;
	for (i = 0; i < shown && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	if (shown < n && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = 0;
	return dst;
}
