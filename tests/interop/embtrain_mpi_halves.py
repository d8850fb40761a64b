"""Load embtrain-mpi word2vec-binary tables (each argument) trained on the grammar fixture followed by a copy
of it with every word suffixed "2" (so with two processes each half is seen by one process
only); check that the nearest neighbours of the nouns, verbs and adjectives of BOTH halves are
mostly of their class.  Rank 0 writes the table, so the second half's words are right only if
the processes' models were averaged (exit 1 otherwise)."""
import sys
from gensim.models import KeyedVectors

base = {
    "noun": "cat dog bird fish horse cow sheep goat mouse rat lion tiger bear wolf fox deer frog duck owl bee".split(),
    "verb": "sees eats likes hates finds chases feeds meets follows hears bites loves".split(),
    "adj": "big small red green old new fast slow happy sad tall short".split(),
}
ok = True
for path in sys.argv[1:]:
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
    for half, suffix in (("first", ""), ("second", "2")):
        good = total = 0
        for words in base.values():
            words = [w + suffix for w in words]
            for w in words:
                for other, _ in kv.most_similar(w, topn=5):
                    good += other in words
                    total += 1
        print("%s: %s half purity %.3f" % (path, half, good / total))
        ok = ok and good / total >= 0.8
if not ok:
    sys.exit(1)
print("ok")
