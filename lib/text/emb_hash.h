/*
 * emb_hash: the byte hash shared by every hash table of embkit's text side (the counter's
 * per-thread tables, the vocabulary's index), so a token hashed once can be looked up in
 * either.  Its own header, so that neither module includes the other.
 */
#ifndef EMB_HASH_H
#define EMB_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * 64-bit hash of s[0..n): eight bytes per multiply, then a final avalanche (the tail word is
 * zero-padded and the length mixed in, so "a" and "a\0" differ).  Fast rather than keyed: the
 * tables it serves hold counts of the caller's own data.
 */
static inline uint64_t emb_hash_bytes(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
	}
	h ^= h >> 32;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return h;
}

#endif
