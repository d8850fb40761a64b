"""Load an embtrain word2vec-binary table with gensim; check that the nearest neighbours of
the grammar fixture's nouns and verbs are mostly of the same class (exit 1 otherwise)."""
import sys
from gensim.models import KeyedVectors

kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
classes = {
    "noun": "cat dog bird fish horse cow sheep goat mouse rat lion tiger bear wolf fox deer frog duck owl bee".split(),
    "verb": "sees eats likes hates finds chases feeds meets follows hears bites loves".split(),
    "adj": "big small red green old new fast slow happy sad tall short".split(),
}
good = total = 0
for name, words in classes.items():
    for w in words:
        for other, _ in kv.most_similar(w, topn=5):
            good += other in words
            total += 1
print("purity %.3f" % (good / total))
if good / total < 0.9:
    sys.exit(1)
print("ok")
