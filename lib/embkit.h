/*
 * embkit: the public umbrella header of libembkit.  Modules:
 *   emb_err     the error record every function fills
 *   emb_stream  input: plain/gzip, path/stdin/memory, lines and bytes
 *   emb_out     atomic output: plain or block-gzip, stdout
 *   emb_tsv     tabular text through libcsv
 *   emb_tok     the shared tokenizer
 *   emb_vocab   vocabularies (token <-> id, counts)
 *   emb_table   embedding tables (nn.Embedding semantics)
 *   emb_float   exact, fast float text conversion
 */
#ifndef EMBKIT_H
#define EMBKIT_H

#include "emb_err.h"
#include "emb_float.h"
#include "emb_gzin.h"
#include "emb_out.h"
#include "emb_stream.h"
#include "emb_subword.h"
#include "emb_table.h"
#include "emb_tok.h"
#include "emb_tsv.h"
#include "emb_vocab.h"

#endif
