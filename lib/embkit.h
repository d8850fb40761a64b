/*
 * embkit: the public umbrella header of libembkit.  Programs include <embkit/embkit.h> and link
 * with `pkg-config --cflags --libs embkit` (add --static for libembkit.a); the headers listed
 * here are the library's whole public API and are installed under $(includedir)/embkit/.  Every
 * other header in the source tree is private.
 *
 * Rules that hold everywhere (emb_err.h): functions return 0, EMB_EOF (1) or a negative EMB_E*
 * code and fill a struct emb_err once where the fault is seen; the library never prints or
 * exits.  Each header opens with its contract and who frees what.
 *
 *   emb_version  EMB_VERSION (compiled against) and emb_version() (linked with)
 *   emb_err      the error record every function fills
 *  streams and output
 *   emb_stream   input: plain or gzip, path, stdin or memory; lines and bytes
 *   emb_gzin     fast multi-threaded reading of a gzip regular file, member by member
 *   emb_out      atomic output (temporary file renamed on commit): plain or block gzip, stdout
 *  text and vocabulary
 *   emb_tok      the tokenizer every tool shares
 *   emb_vocab    vocabularies (token <-> id, counts): load, save, look up
 *   emb_count    exact parallel token counting into a vocabulary
 *   emb_tsv      TSV/CSV fields through libcsv
 *   emb_float    exact, fast float <-> text and float16 conversion
 *  vectors and search
 *   emb_table    embedding tables (torch.nn.Embedding semantics) and their metadata
 *   emb_subword  character n-gram rows (fastText): a vector for any word
 *   emb_knn      exact top-k cosine search and analogies
 *   emb_eval     word-analogy and word-pair evaluation (gensim's numbers)
 *  batches and training
 *   emb_batch    padded and packed batches (pad_sequence / pack_padded_sequence)
 *   emb_train    word2vec training: corpus cache, trainer, checkpoints
 *  file formats
 *   emb_format   table formats (GloVe, word2vec text/binary, EMB, fastText): detect, load, save
 *   emb_convert  the whole of a table conversion (embconv below its command line)
 *   emb_pack     the PACK batch stream: writer, validating reader, the embpack pipeline
 *   emb_npz      one NumPy .npz per batch
 */
#ifndef EMBKIT_H
#define EMBKIT_H

#include "emb_version.h"

#include "emb_err.h"

#include "emb_gzin.h"
#include "emb_out.h"
#include "emb_stream.h"

#include "emb_count.h"
#include "emb_hash.h"
#include "emb_float.h"
#include "emb_tok.h"
#include "emb_token.h"
#include "emb_tsv.h"
#include "emb_vocab.h"

#include "emb_eval.h"
#include "emb_knn.h"
#include "emb_query.h"
#include "emb_table.h"
#include "emb_subword.h"

#include "emb_batch.h"
#include "emb_train.h"

#include "emb_convert.h"
#include "emb_format.h"
#include "emb_npz.h"
#include "emb_pack.h"

#endif
