# embkit — see README.md.  `make` builds build/libembkit.a and the tools; `make check` runs every
# test; `make check SANITIZE=1` the same under ASan+UBSan in build-san/.
prefix ?= /usr/local
PREFIX ?= $(prefix)
bindir ?= $(PREFIX)/bin
mandir ?= $(PREFIX)/share/man
bashcompdir ?= $(PREFIX)/share/bash-completion/completions
zshcompdir ?= $(PREFIX)/share/zsh/vendor-completions

CC ?= cc
CFLAGS ?= -O2 -g -Werror
EMB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wvla -pthread $(addprefix -I,$(INC_DIRS))
# The library's folders name its layers (see README "Layout"); each is on the include path, so
# includes are plain file names and a file can move between folders without touching its users.
LIB_DIRS = lib/core lib/io lib/text lib/vectors lib/batch lib/train
INC_DIRS = lib $(LIB_DIRS) formats cmd
LDLIBS_EMB = -lcsv -lisal -ldeflate -lutf8proc -lopenblas -lz -lm -pthread

ifeq ($(FUZZ),1)
B ?= build-fuzz
CC = clang
EMB_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(SANITIZE),1)
B ?= build-san
EMB_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
B ?= build
endif

TOOLS = tokvocab embtrain embpack embquery embconv
# *_mpi.c files include mpi.h: only embtrain-mpi (below) compiles them, never libembkit.a.
MPI_SRC = $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*_mpi.c))
LIB_SRC = $(filter-out $(MPI_SRC),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)) $(wildcard formats/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ = $(B)/cmd/cli.o
TOOL_SRC = $(filter-out cmd/cli.c,$(wildcard cmd/*.c))
TOOL_BIN = $(TOOL_SRC:cmd/%.c=$(B)/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HDRS = $(wildcard lib/*.h $(addsuffix /*.h,$(LIB_DIRS)) formats/*.h cmd/*.h)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 30
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

.PHONY: all deps check unit cli-tests demo bench install clean lint fuzz mpi-missing
all: $(TOOL_BIN) $(MPI_BIN)

mpi-missing:
	@echo "make: $(MPICC) not found: embtrain-mpi not built (Debian: apt-get install libopenmpi-dev)" >&2

$(B)/mpi/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(MPICC) -DEMB_MPI $(EMB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/embtrain-mpi: $(MPI_OBJ) $(CLI_OBJ) $(B)/libembkit.a
	$(MPICC) $(EMB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EMB) $(LDLIBS)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(EMB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libembkit.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libembkit.a
	$(CC) $(EMB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_EMB) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libembkit.a $(HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EMB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libembkit.a -lcmocka $(LDLIBS_EMB) $(LDLIBS)

deps:
	@sh .ci/deps build test

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@EMB_BUILD=$(CURDIR)/$(B) $(if $(filter 1,$(VALGRIND)),EMB_EXEC="$(VALGRIND_EXEC)") \
		sh tests/run.sh $(UNIT_BIN)

# libFuzzer harnesses (clang): every reader, FUZZ_SECONDS each, seeds from tests/fuzz/corpus/.
fuzz:
	@sh .ci/deps build fuzz
	@$(MAKE) --no-print-directory FUZZ=1 $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libembkit.a $(HDRS) $(wildcard tests/fuzz/*.h)
	$(CC) $(EMB_CFLAGS) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer -o $@ $< build-fuzz/libembkit.a $(LDLIBS_EMB)

lint:
	@sh .ci/deps build lint
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppressions-list=.cppcheck-suppressions -D__GNUC__ \
		$(addprefix -I,$(INC_DIRS)) lib formats cmd
	clang-tidy --quiet $(LIB_SRC) $(wildcard cmd/*.c) -- $(filter-out -pthread,$(EMB_CFLAGS)) 2>/dev/null
	$(if $(HAVE_MPICC),clang-tidy --quiet $(MPI_SRC) cmd/embtrain.c -- -DEMB_MPI \
		$(filter-out -pthread,$(EMB_CFLAGS)) $$($(MPICC) --showme:compile) 2>/dev/null)

demo:
	@sh .ci/deps build
	@$(MAKE) --no-print-directory all
	@EMB_BUILD=$(CURDIR)/$(B) sh data/demo.sh

bench: deps
	@sh .ci/deps bench
	@$(MAKE) --no-print-directory all
	@EMB_BUILD=$(CURDIR)/$(B) sh bench/run.sh

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man7 $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir)
	install -m 755 $(TOOL_BIN) $(filter-out mpi-missing,$(MPI_BIN)) $(DESTDIR)$(bindir)
	install -m 644 $(filter-out $(if $(HAVE_MPICC),,man/embtrain-mpi.1),$(wildcard man/*.1)) \
		$(DESTDIR)$(mandir)/man1
	$(if $(wildcard man/*.5),install -m 644 $(wildcard man/*.5) $(DESTDIR)$(mandir)/man5)
	$(if $(wildcard man/*.7),install -m 644 $(wildcard man/*.7) $(DESTDIR)$(mandir)/man7)
	for t in $(TOOL_SRC:cmd/%.c=%) $(if $(HAVE_MPICC),embtrain-mpi); do install -m 644 completions/embkit.bash $(DESTDIR)$(bashcompdir)/$$t; done
	install -m 644 completions/_embkit $(DESTDIR)$(zshcompdir)/_embkit

clean:
	rm -rf build build-san build-fuzz
