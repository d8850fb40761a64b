# embkit — see README.md.  `make` builds build/libembkit.a (and .so), the tools and the man pages;
# `make check` runs every test; `make check SANITIZE=1` the same under ASan+UBSan in build-san/.
# docs/ARCHITECTURE.md says where things live.

# ---- install locations (all under $(DESTDIR)) ----
prefix ?= /usr/local
PREFIX ?= $(prefix)
exec_prefix ?= $(PREFIX)
bindir ?= $(exec_prefix)/bin
libdir ?= $(exec_prefix)/lib
includedir ?= $(PREFIX)/include
pkgconfigdir ?= $(libdir)/pkgconfig
mandir ?= $(PREFIX)/share/man
bashcompdir ?= $(PREFIX)/share/bash-completion/completions
zshcompdir ?= $(PREFIX)/share/zsh/vendor-completions
pythondir ?= $(PREFIX)/lib/python3/dist-packages

# ---- version: VERSION is the one place; the tools, man pages, library and embkit.pc read it ----
VERSION := $(strip $(file <VERSION))
VERSION_PARTS := $(subst ., ,$(VERSION))
ifneq ($(words $(VERSION_PARTS)),3)
$(error VERSION must be MAJOR.MINOR.PATCH, not '$(VERSION)')
endif
SONAME = libembkit.so.$(word 1,$(VERSION_PARTS))

# ---- compiler: CFLAGS stays the user's (CI adds -Werror); required flags live in EMB_CFLAGS ----
CC ?= cc
CFLAGS ?= -O2 -g
# Library objects are position-independent (they also make libembkit.so); without semantic
# interposition the compiler may still inline and call them directly, as in a static build.
EMB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wvla -pthread -fPIC -fno-semantic-interposition -MMD -MP \
	$(addprefix -I,$(INC_DIRS)) $(DEP_CFLAGS)
# The library's folders name its layers (see docs/ARCHITECTURE.md); each is on the include path,
# so includes are plain file names and a file can move between folders without touching its users.
LIB_DIRS = lib/core lib/io lib/text lib/vectors lib/batch lib/train lib/glove
INC_DIRS = lib $(LIB_DIRS) formats cmd $(B)/gen

# ---- libraries: flags from each package's pkg-config file when it has one; override any of
# them (make BLAS_PC=blis, or BLAS_LIBS='-L/opt/blas/lib -lblas' BLAS_CFLAGS=-I/opt/blas/include).
PKG_CONFIG ?= pkg-config
BLAS_PC ?= openblas
# pkgdep,NAME,MODULE,FALLBACK: NAME_CFLAGS and NAME_LIBS from MODULE's .pc, else FALLBACK, each
# asked once and only when not given.  NAME_PC is MODULE when its .pc supplied NAME_LIBS: then
# embkit.pc lists it in Requires.private, otherwise NAME_LIBS go to Libs.private.
define pkgdep
ifeq ($$(origin $(1)_LIBS),undefined)
$(1)_PC := $$(shell $$(PKG_CONFIG) --exists $(2) 2>/dev/null && echo $(2))
$(1)_LIBS := $$(if $$($(1)_PC),$$(shell $$(PKG_CONFIG) --libs $(2)),$(3))
endif
ifeq ($$(origin $(1)_CFLAGS),undefined)
$(1)_CFLAGS := $$(if $$($(1)_PC),$$(shell $$(PKG_CONFIG) --cflags $(2)))
endif
endef
$(eval $(call pkgdep,BLAS,$(BLAS_PC),-lopenblas))
$(eval $(call pkgdep,ISAL,libisal,-lisal))
$(eval $(call pkgdep,DEFLATE,libdeflate,-ldeflate))
$(eval $(call pkgdep,UTF8PROC,libutf8proc,-lutf8proc))
$(eval $(call pkgdep,CSV,libcsv,-lcsv))
$(eval $(call pkgdep,ZLIB,zlib,-lz))
$(eval $(call pkgdep,CMOCKA,cmocka,-lcmocka))
LIB_DEPS = CSV ISAL DEFLATE UTF8PROC BLAS
DEP_CFLAGS = $(foreach d,$(LIB_DEPS),$($(d)_CFLAGS))
LDLIBS_EMB = $(foreach d,$(LIB_DEPS),$($(d)_LIBS)) -lm -pthread
# The unit tests compare against zlib; the library and tools do not use it.
LDLIBS_TEST = $(CMOCKA_LIBS) $(ZLIB_LIBS)
PC_REQUIRES = $(strip $(foreach d,$(LIB_DEPS),$($(d)_PC)))
PC_LIBS_PRIVATE = $(strip $(foreach d,$(LIB_DEPS),$(if $($(d)_PC),,$($(d)_LIBS))) -lm -pthread)

# ---- build flavours ----
ifeq ($(FUZZ),1)
B ?= build-fuzz
CC = clang
EMB_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(TSAN),1)
B ?= build-tsan
EMB_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
else ifeq ($(SANITIZE),1)
B ?= build-san
EMB_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
B ?= build
# every symbol the shared library needs comes from its own dependencies (not with sanitizers,
# whose runtime the executable brings)
SO_LDFLAGS = -Wl,-z,defs
endif

# ---- what is built ----
# *_mpi.c files are MPI's: only embtrain-mpi (below) compiles them, never libembkit or a tool.
MPI_SRC = $(foreach d,$(LIB_DIRS) cmd,$(wildcard $(d)/*_mpi.c))
LIB_SRC = $(filter-out $(MPI_SRC),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)) $(wildcard formats/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
# cmd/cli*.c: the front end the tools share (options, messages, other tools' command lines)
CLI_SRC = $(wildcard cmd/cli*.c)
CLI_OBJ = $(CLI_SRC:%.c=$(B)/%.o)
TOOL_SRC = $(filter-out $(CLI_SRC) $(MPI_SRC),$(wildcard cmd/*.c))
TOOL_BIN = $(TOOL_SRC:cmd/%.c=$(B)/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 30
VERSION_H = $(B)/gen/emb_version.h
SHLIB = $(B)/libembkit.so.$(VERSION)
MAN_SRC = $(wildcard man/*.[0-9])
MAN_OUT = $(MAN_SRC:%=$(B)/%)
# The installed API: lib/embkit.h includes every one of these (tests/cli/install.bats checks).
PUBLIC_HDRS = lib/embkit.h $(VERSION_H) lib/core/emb_err.h \
	lib/io/emb_stream.h lib/io/emb_gzin.h lib/io/emb_out.h \
	lib/text/emb_tok.h lib/text/emb_token.h lib/text/emb_vocab.h lib/text/emb_count.h lib/text/emb_hash.h lib/text/emb_tsv.h lib/text/emb_float.h \
	lib/vectors/emb_table.h lib/vectors/emb_subword.h lib/vectors/emb_knn.h lib/vectors/emb_eval.h lib/vectors/emb_query.h \
	lib/batch/emb_batch.h lib/train/emb_train.h \
	formats/emb_format.h formats/emb_convert.h formats/emb_pack.h formats/emb_npz.h
VALGRIND_EXEC = valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite

# embtrain-mpi: cmd/embtrain.c once more, compiled by mpicc with -DEMB_MPI, plus the MPI driver
# ($(MPI_SRC)), linked by mpicc.  Only it links libmpi (the plain embtrain never does).  Without
# mpicc (Debian: libopenmpi-dev) the other tools build and `make` says what was skipped.
MPICC ?= mpicc
ifneq ($(FUZZ),1)
HAVE_MPICC := $(shell command -v $(MPICC) 2>/dev/null)
endif
ifneq ($(HAVE_MPICC),)
MPI_BIN = $(B)/embtrain-mpi
MPI_OBJ = $(B)/mpi/cmd/embtrain.o $(MPI_SRC:%.c=$(B)/mpi/%.o)
else ifneq ($(FUZZ),1)
MPI_BIN = mpi-missing
endif
# what `make install` puts in bin/, man1/ and the completions (embtrain-mpi where it was built)
INST_BIN = $(TOOL_BIN) $(filter-out mpi-missing,$(MPI_BIN))
INST_NAMES = $(TOOL_SRC:cmd/%.c=%) $(if $(HAVE_MPICC),embtrain-mpi)
INST_MAN = $(filter-out $(if $(HAVE_MPICC),,$(B)/man/embtrain-mpi.1),$(MAN_OUT))

.PHONY: all lib deps check unit cli-tests demo bench install install-python uninstall clean lint fuzz tsan \
	mpi-missing
all: $(TOOL_BIN) lib $(MAN_OUT) $(MPI_BIN)
lib: $(B)/libembkit.a $(SHLIB)

# Keep every object: a tool's object is otherwise an intermediate file, deleted after the first
# build, and the next make (make install from a test, while other tests run the tools) finds it
# named in the .d files, rebuilds it and relinks the tools under the running tests (exit 126).
.SECONDARY:

# Header dependencies come from the compiler (-MMD -MP); the version header is generated first.
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TOOL_SRC:cmd/%.c=$(B)/cmd/%.d) $(UNIT_BIN:=.d) \
	$(MPI_OBJ:.o=.d)

mpi-missing:
	@echo "make: $(MPICC) not found: embtrain-mpi not built (Debian: apt-get install libopenmpi-dev)" >&2

$(B)/mpi/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(MPICC) -DEMB_MPI $(EMB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/embtrain-mpi: $(MPI_OBJ) $(CLI_OBJ) $(B)/libembkit.a
	$(MPICC) $(EMB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EMB) $(LDLIBS)

$(B)/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(EMB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# GloVe's AdaGrad step divides by square roots: without errno sqrtf is one vector instruction
# and the loop vectorises (results stay IEEE; this is not -ffast-math).
$(B)/lib/glove/emb_glove_train.o: EMB_CFLAGS += -fno-math-errno

$(VERSION_H): lib/core/emb_version.h.in VERSION
	@mkdir -p $(dir $@)
	sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@MAJOR@/$(word 1,$(VERSION_PARTS))/g' \
		-e 's/@MINOR@/$(word 2,$(VERSION_PARTS))/g' -e 's/@PATCH@/$(word 3,$(VERSION_PARTS))/g' \
		$< >$@.tmp && mv $@.tmp $@

$(B)/libembkit.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Exports only emb_* (lib/embkit.sym); tools and tests link the static archive.
$(SHLIB): $(LIB_OBJ) lib/embkit.sym
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/embkit.sym \
		$(SO_LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS_EMB) $(LDLIBS)
	ln -sf $(notdir $@) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libembkit.so

$(B)/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libembkit.a
	$(CC) $(EMB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EMB) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libembkit.a | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(EMB_CFLAGS) -MF $@.d $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libembkit.a \
		$(LDLIBS_TEST) $(LDLIBS_EMB) $(LDLIBS)

# Man pages carry the version of VERSION in their .TH line.
$(B)/man/%: man/% VERSION
	@mkdir -p $(dir $@)
	sed '1,/^\.TH/s/"embkit[ 0-9.]*"/"embkit $(VERSION)"/' $< >$@

deps:
	@sh .ci/deps build test

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@EMB_BUILD=$(CURDIR)/$(B) $(if $(filter 1,$(VALGRIND)),EMB_EXEC="$(VALGRIND_EXEC)") \
		sh tests/run.sh $(UNIT_BIN)

# ThreadSanitizer: every tool built into build-tsan/, then their threaded paths run under it
# (tests/tsan/run.sh; Hogwild's intended races are suppressed by name in tests/tsan/suppressions).
tsan:
	@sh .ci/deps build test
	@$(MAKE) --no-print-directory TSAN=1 all
	@EMB_BUILD=$(CURDIR)/build-tsan sh tests/tsan/run.sh

# libFuzzer harnesses (clang): every reader, FUZZ_SECONDS each, seeds from tests/fuzz/corpus/.
fuzz:
	@sh .ci/deps build fuzz
	@$(MAKE) --no-print-directory FUZZ=1 $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

-include $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%.d)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libembkit.a | $(VERSION_H)
	$(CC) $(EMB_CFLAGS) -MF $@.d $(CPPFLAGS) -O1 -g -fsanitize=fuzzer -o $@ $< build-fuzz/libembkit.a $(LDLIBS_EMB)

lint: $(VERSION_H)
	@sh .ci/deps build lint
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppressions-list=.cppcheck-suppressions -D__GNUC__ \
		$(addprefix -I,$(INC_DIRS)) lib formats cmd
	clang-tidy --quiet $(LIB_SRC) $(filter-out $(MPI_SRC),$(wildcard cmd/*.c)) -- $(filter-out -pthread -MMD -MP,$(EMB_CFLAGS)) 2>/dev/null
	$(if $(HAVE_MPICC),clang-tidy --quiet $(MPI_SRC) cmd/embtrain.c -- -DEMB_MPI \
		$(filter-out -pthread -MMD -MP,$(EMB_CFLAGS)) \
		$(addprefix -isystem ,$(shell $(MPICC) --showme:incdirs)) 2>/dev/null)

demo:
	@sh .ci/deps build
	@$(MAKE) --no-print-directory all
	@EMB_BUILD=$(CURDIR)/$(B) sh data/demo.sh

bench: deps
	@sh .ci/deps bench
	@$(MAKE) --no-print-directory all
	@EMB_BUILD=$(CURDIR)/$(B) sh bench/run.sh

# ---- install: tools, man pages, completions, and the library (static, shared, headers, .pc) ----
# embkit.pc names directories under the prefix as ${prefix}/..., so pkg-config --define-prefix
# (a relocated or DESTDIR tree) finds them.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man7 $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) \
		$(DESTDIR)$(libdir) $(DESTDIR)$(includedir)/embkit $(DESTDIR)$(pkgconfigdir)
	install -m 755 $(INST_BIN) $(DESTDIR)$(bindir)
	install -m 644 $(filter %.1,$(INST_MAN)) $(DESTDIR)$(mandir)/man1
	$(if $(filter %.5,$(MAN_OUT)),install -m 644 $(filter %.5,$(MAN_OUT)) $(DESTDIR)$(mandir)/man5)
	$(if $(filter %.7,$(MAN_OUT)),install -m 644 $(filter %.7,$(MAN_OUT)) $(DESTDIR)$(mandir)/man7)
	for t in $(INST_NAMES); do install -m 644 completions/embkit.bash $(DESTDIR)$(bashcompdir)/$$t; done
	install -m 644 completions/_embkit $(DESTDIR)$(zshcompdir)/_embkit
	install -m 644 $(B)/libembkit.a $(DESTDIR)$(libdir)
	install -m 755 $(SHLIB) $(DESTDIR)$(libdir)
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libembkit.so
	install -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(includedir)/embkit
	@$(MAKE) --no-print-directory install-python
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(call pc_dir,$(libdir))|' \
		-e 's|@includedir@|$(call pc_dir,$(includedir))|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES)|' \
		-e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|' lib/embkit.pc.in >$(DESTDIR)$(pkgconfigdir)/embkit.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(TOOL_SRC:cmd/%.c=%) embtrain-mpi) \
		$(addprefix $(DESTDIR)$(bashcompdir)/,$(TOOL_SRC:cmd/%.c=%) embtrain-mpi) $(DESTDIR)$(zshcompdir)/_embkit \
		$(foreach m,$(MAN_SRC),$(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(addprefix $(DESTDIR)$(libdir)/,libembkit.a libembkit.so $(SONAME) $(notdir $(SHLIB))) \
		$(DESTDIR)$(pkgconfigdir)/embkit.pc
	rm -rf $(DESTDIR)$(includedir)/embkit $(DESTDIR)$(pythondir)/embkit

# python/embkit where Debian's python3 finds packages (PYTHONPATH=python works from the tree).
install-python:
	install -d $(DESTDIR)$(pythondir)/embkit
	install -m 644 $(wildcard python/embkit/*.py) $(DESTDIR)$(pythondir)/embkit

clean:
	rm -rf build build-san build-fuzz build-tsan
