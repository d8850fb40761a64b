/*
 * safetensors_header: the strict JSON parser of a safetensors header (see safetensors.c for the
 * file layout).  Only what the format uses: objects, strings with every escape, unsigned
 * integers and arrays of them, null for an empty __metadata__; anything else is refused, since a
 * header is written by a program, never by hand, and a loose parse is where files disagree.
 */
#include "safetensors_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"

#define MAX_DEPTH 64

static const char *const dt_names[NDTYPES] = { "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16",
	"U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64" };
const unsigned char st_dt_size[NDTYPES] = { 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8 };

struct json {
	const char *p;
	size_t n, i;
	struct emb_stream *in;
	struct emb_err *err;
};

static int jfail(struct json *j, const char *what)
{
	return emb_err_set_at(j->err, EMB_EFORMAT, emb_stream_name(j->in), 0,
			      "byte %llu: safetensors header: %s", (unsigned long long)j->i + 8, what);
}

static void jws(struct json *j)
{
	while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\n' ||
			       j->p[j->i] == '\r'))
		j->i++;
}

static int jexpect(struct json *j, char c)
{
	char m[32];

	jws(j);
	if (j->i < j->n && j->p[j->i] == c) {
		j->i++;
		return 0;
	}
	snprintf(m, sizeof m, "expected '%c'", c);
	return jfail(j, m);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int jhex4(struct json *j, unsigned *u)
{
	int k;

	*u = 0;
	if (j->n - j->i < 4)
		return jfail(j, "short \\u escape");
	for (k = 0; k < 4; k++) {
		int h = hexval(j->p[j->i + (size_t)k]);
		if (h < 0)
			return jfail(j, "bad \\u escape");
		*u = *u << 4 | (unsigned)h;
	}
	j->i += 4;
	return 0;
}

/* A string into a new NUL-terminated buffer (*out, freed by the caller); a NUL inside (\u0000)
 * is refused: neither tokens nor metadata may hold one. */
static int jstring(struct json *j, char **out)
{
	size_t start, cap, k = 0;
	char *s;
	int rc;

	*out = NULL;
	if ((rc = jexpect(j, '"')) < 0)
		return rc;
	start = j->i;
	while (j->i < j->n && j->p[j->i] != '"')
		j->i += j->p[j->i] == '\\' ? 2 : 1;
	if (j->i >= j->n)
		return jfail(j, "unterminated string");
	cap = j->i - start + 1;
	j->i = start;
	if (!(s = malloc(cap)))
		return emb_err_nomem(j->err, "parsing a safetensors header");
	while (j->p[j->i] != '"') {
		unsigned char c = (unsigned char)j->p[j->i++];
		unsigned u, lo;
		if (c < 0x20) {
			rc = jfail(j, "control character in a string");
			goto fail;
		}
		if (c != '\\') {
			s[k++] = (char)c;
			continue;
		}
		c = (unsigned char)j->p[j->i++];
		switch (c) {
		case '"': case '\\': case '/': s[k++] = (char)c; continue;
		case 'b': s[k++] = '\b'; continue;
		case 'f': s[k++] = '\f'; continue;
		case 'n': s[k++] = '\n'; continue;
		case 'r': s[k++] = '\r'; continue;
		case 't': s[k++] = '\t'; continue;
		case 'u': break;
		default: rc = jfail(j, "bad escape"); goto fail;
		}
		if ((rc = jhex4(j, &u)) < 0)
			goto fail;
		if (u >= 0xdc00 && u < 0xe000) {
			rc = jfail(j, "lone low surrogate");
			goto fail;
		}
		if (u >= 0xd800 && u < 0xdc00) {
			if (j->n - j->i < 2 || j->p[j->i] != '\\' || j->p[j->i + 1] != 'u') {
				rc = jfail(j, "lone high surrogate");
				goto fail;
			}
			j->i += 2;
			if ((rc = jhex4(j, &lo)) < 0)
				goto fail;
			if (lo < 0xdc00 || lo >= 0xe000) {
				rc = jfail(j, "bad surrogate pair");
				goto fail;
			}
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (u == 0) {
			rc = jfail(j, "NUL in a string");
			goto fail;
		}
		/* an escape is 6 or 12 bytes of input and at most 4 of output: cap holds it */
		if (u < 0x80) {
			s[k++] = (char)u;
		} else if (u < 0x800) {
			s[k++] = (char)(0xc0 | u >> 6);
			s[k++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			s[k++] = (char)(0xe0 | u >> 12);
			s[k++] = (char)(0x80 | (u >> 6 & 0x3f));
			s[k++] = (char)(0x80 | (u & 0x3f));
		} else {
			s[k++] = (char)(0xf0 | u >> 18);
			s[k++] = (char)(0x80 | (u >> 12 & 0x3f));
			s[k++] = (char)(0x80 | (u >> 6 & 0x3f));
			s[k++] = (char)(0x80 | (u & 0x3f));
		}
	}
	j->i++;
	s[k] = 0;
	*out = s;
	return 0;
fail:
	free(s);
	return rc;
}

/* A non-negative integer without sign, fraction or exponent, as data_offsets and shape are. */
static int juint(struct json *j, uint64_t *v)
{
	size_t start;

	jws(j);
	start = j->i;
	*v = 0;
	while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9') {
		unsigned d = (unsigned)(j->p[j->i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return jfail(j, "number too large");
		*v = *v * 10 + d;
		j->i++;
	}
	if (j->i == start)
		return jfail(j, "expected a non-negative integer");
	if ((j->i - start > 1 && j->p[start] == '0') ||
	    (j->i < j->n && (j->p[j->i] == '.' || j->p[j->i] == 'e' || j->p[j->i] == 'E')))
		return jfail(j, "expected a plain non-negative integer");
	return 0;
}

/* '[' n, n, ... ']' into v[0..*k), at most max entries. */
static int juints(struct json *j, uint64_t *v, int max, int *k)
{
	int rc;

	*k = 0;
	if ((rc = jexpect(j, '[')) < 0)
		return rc;
	jws(j);
	if (j->i < j->n && j->p[j->i] == ']') {
		j->i++;
		return 0;
	}
	for (;;) {
		if (*k == max)
			return jfail(j, "too many dimensions");
		if ((rc = juint(j, &v[(*k)++])) < 0)
			return rc;
		jws(j);
		if (j->i < j->n && j->p[j->i] == ']') {
			j->i++;
			return 0;
		}
		if ((rc = jexpect(j, ',')) < 0)
			return rc;
	}
}

/* Is the next value 'null'?  (An absent __metadata__ may be written as null.) */
static bool jnull(struct json *j)
{
	jws(j);
	if (j->n - j->i >= 4 && memcmp(j->p + j->i, "null", 4) == 0) {
		j->i += 4;
		return true;
	}
	return false;
}

/* Parse `{ key: VALUE, ... }`, calling EACH for every key (it parses the value). */
static int jobject(struct json *j, int (*each)(struct json *, char *key, void *ctx), void *ctx)
{
	int rc;

	if ((rc = jexpect(j, '{')) < 0)
		return rc;
	jws(j);
	if (j->i < j->n && j->p[j->i] == '}') {
		j->i++;
		return 0;
	}
	for (;;) {
		char *key;
		if ((rc = jstring(j, &key)) < 0)
			return rc;
		if ((rc = jexpect(j, ':')) < 0) {
			free(key);
			return rc;
		}
		if ((rc = each(j, key, ctx)) < 0) /* EACH owns KEY */
			return rc;
		jws(j);
		if (j->i < j->n && j->p[j->i] == '}') {
			j->i++;
			return 0;
		}
		if ((rc = jexpect(j, ',')) < 0)
			return rc;
	}
}

static int meta_each(struct json *j, char *key, void *ctx)
{
	struct hdr *h = ctx;
	char *value;
	size_t i;
	int rc;

	for (i = 0; i < h->nm; i++)
		if (strcmp(h->m[i].key, key) == 0) {
			free(key);
			return jfail(j, "duplicate metadata key");
		}
	if ((rc = jstring(j, &value)) < 0) {
		free(key);
		return rc == EMB_EFORMAT ? jfail(j, "metadata values must be strings") : rc;
	}
	if (h->nm == h->mcap) {
		size_t c = h->mcap ? 2 * h->mcap : 8;
		struct meta *nm = realloc(h->m, c * sizeof *nm);
		if (!nm) {
			free(key);
			free(value);
			return emb_err_nomem(j->err, "parsing a safetensors header");
		}
		h->m = nm;
		h->mcap = c;
	}
	h->m[h->nm].key = key;
	h->m[h->nm++].value = value;
	return 0;
}

static int tensor_each(struct json *j, char *key, void *ctx)
{
	struct tensor *t = ctx;
	uint64_t off[3];
	int rc = 0, k, d;
	char *s = NULL;

	if (strcmp(key, "dtype") == 0) {
		if ((rc = jstring(j, &s)) < 0)
			goto done;
		for (d = 0; d < NDTYPES && strcmp(s, dt_names[d]) != 0; d++)
			;
		if (d == NDTYPES || t->dtype >= 0)
			rc = jfail(j, d == NDTYPES ? "unknown dtype" : "duplicate dtype");
		t->dtype = d;
	} else if (strcmp(key, "shape") == 0) {
		if (t->rank >= 0)
			rc = jfail(j, "duplicate shape");
		else
			rc = juints(j, t->shape, MAX_RANK, &t->rank);
	} else if (strcmp(key, "data_offsets") == 0) {
		if (t->end != UINT64_MAX)
			rc = jfail(j, "duplicate data_offsets");
		else if ((rc = juints(j, off, 3, &k)) == 0 && (k != 2 || off[1] < off[0]))
			rc = jfail(j, "data_offsets must be [begin, end] with begin <= end");
		else if (rc == 0) {
			t->begin = off[0];
			t->end = off[1];
		}
	} else {
		rc = jfail(j, "unknown field in a tensor entry");
	}
done:
	free(s);
	free(key);
	return rc;
}

static int top_each(struct json *j, char *key, void *ctx)
{
	struct hdr *h = ctx;
	struct tensor *t;
	size_t i;
	int rc;

	if (strcmp(key, "__metadata__") == 0) {
		free(key);
		if (h->has_meta)
			return jfail(j, "duplicate __metadata__");
		h->has_meta = true;
		if (jnull(j))
			return 0;
		return jobject(j, meta_each, h);
	}
	for (i = 0; i < h->nt; i++)
		if (strcmp(h->t[i].name, key) == 0) {
			free(key);
			return jfail(j, "duplicate tensor name");
		}
	if (h->nt == h->tcap) {
		size_t c = h->tcap ? 2 * h->tcap : 8;
		struct tensor *nt = realloc(h->t, c * sizeof *nt);
		if (!nt) {
			free(key);
			return emb_err_nomem(j->err, "parsing a safetensors header");
		}
		h->t = nt;
		h->tcap = c;
	}
	t = &h->t[h->nt++];
	t->name = key;
	t->dtype = t->rank = -1;
	t->begin = 0;
	t->end = UINT64_MAX;
	if ((rc = jobject(j, tensor_each, t)) < 0)
		return rc;
	if (t->dtype < 0 || t->rank < 0 || t->end == UINT64_MAX)
		return jfail(j, "a tensor entry needs dtype, shape and data_offsets");
	return 0;
}

void st_hdr_release(struct hdr *h)
{
	size_t i;

	for (i = 0; i < h->nt; i++)
		free(h->t[i].name);
	for (i = 0; i < h->nm; i++) {
		free(h->m[i].key);
		free(h->m[i].value);
	}
	free(h->t);
	free(h->m);
}

int st_header_parse(struct hdr *h, const unsigned char *p, size_t n, struct emb_stream *in,
		    struct emb_err *err)
{
	struct json j = { (const char *)p, n, 0, in, err };
	size_t ok = emb_utf8_valid_prefix(p, n);
	int rc;

	if (ok != n)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
				      "byte %llu: safetensors header is not UTF-8",
				      (unsigned long long)ok + 8);
	if (p[0] != '{')
		return jfail(&j, "must start with '{'");
	if ((rc = jobject(&j, top_each, h)) == 0) {
		jws(&j);
		if (j.i != j.n)
			rc = jfail(&j, "trailing bytes after the JSON object");
	}
	return rc;
}
