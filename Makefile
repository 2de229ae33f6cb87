# Makefile -- msgstore on Linux (GNU make).  VMS builds with build.com and
# descrip.mms, both driven by the same src/sources.list.
#
#   make                 build build/bin/msgstore, build/bin/msgstored and
#                        build/lib/libmsgstore.a
#   make run             build and start msgstored on the embedded defaults
#   make check           install missing build dependencies, lint, build with
#                        gcc and clang, run every test
#   make check-asan      the unit and platform suites under ASan + UBSan
#   make fuzz-smoke      every fuzz target briefly (clang + libFuzzer)
#   make fuzz            every fuzz target for FUZZ_SECONDS each
#   make check-crash     the store crash test (SIGKILL, full disk, power loss)
#   make bench-store     store benchmarks (bench/README.md)
#   make load-limits     10,000 connections, stuck and slow clients, memory
#   make descrip         regenerate descrip.mms from src/sources.list

.SUFFIXES:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

CC      ?= cc
B       ?= build
OPT     ?= -O2 -g
SAN     ?=
PYTHON  ?= python3
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 20000

# ---- the source list ------------------------------------------------------
LIST      := src/sources.list
listed     = $(shell awk '!/^\#/ && NF == 2 && $$1 ~ /$(1)/ { print $$2 }' $(LIST))
# Only files that exist are built; tools/lint_tree.sh fails if one is missing.
CORE_SRC  := $(wildcard $(call listed,^(lib|mime|store|net|auth|imap|pop3|lmtp|sieve|managesieve|poppassd|http|cli|migrate|server)$$))
PLAT_SRC  := $(wildcard $(call listed,^plat_(common|linux)$$))
VMS_SRC   := $(call listed,^plat_vms$$)
LIB_SRC   := $(CORE_SRC) $(PLAT_SRC)
PROGS     := $(sort $(shell awk '!/^\#/ && $$1 ~ /^prog_/ { sub(/^prog_/, "", $$1); print $$1 }' $(LIST)))
prog_src   = $(wildcard $(call listed,^prog_$(1)$$))

SRC_DIRS  := $(sort $(patsubst %/,%,$(dir $(wildcard src/*/*.c src/*/*.h))))
INCLUDES  := -Iinclude -Iplatform/include $(addprefix -I,$(SRC_DIRS))

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wpointer-to-int-cast \
             -Wint-to-pointer-cast -Wvla -Wwrite-strings
# The core is plain C99 (no GNU extensions); platform/ may ask the OS for
# its extensions.
CORE_CFLAGS := -std=c99 -pedantic $(WARN) $(OPT) $(SAN) $(INCLUDES)
PLAT_CFLAGS := -std=c99 $(WARN) $(OPT) $(SAN) $(INCLUDES) -D_GNU_SOURCE
LDFLAGS   ?=
LDLIBS    := -lssl -lcrypto -lsasl2 -lpcre2-8 -lz -lpthread

LIB       := $(B)/lib/libmsgstore.a
obj        = $(patsubst %.c,$(B)/obj/%.o,$(1))
BINS      := $(addprefix $(B)/bin/,$(PROGS))

all: $(LIB) $(BINS)

$(B)/obj/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(B)/obj/platform/%.o: platform/%.c
	@mkdir -p $(@D)
	$(CC) $(PLAT_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

define prog_rule
$(B)/bin/$(1): $(call obj,$(call prog_src,$(1))) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

# ---- tests ---------------------------------------------------------------
TEST_CFLAGS := -std=c99 $(WARN) -Wno-missing-prototypes $(OPT) $(SAN) \
               $(INCLUDES) -Itest/unit -Itest/imapu -D_GNU_SOURCE
UNIT_TESTS  := $(sort $(wildcard test/unit/test_*.c))
PLAT_TESTS  := $(sort $(wildcard test/plat/test_*.c))
IMAPU_TESTS := $(sort $(wildcard test/imapu/test_*.c))
CU_LIBS     := -lcunit

$(B)/obj/test/%.o: test/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

# The registration tables are generated from the test files (committed,
# so VMS needs no Python).
test/unit/ms_suites_unit.c: $(UNIT_TESTS) tools/gen_suites.py
	$(PYTHON) tools/gen_suites.py $@ $(UNIT_TESTS)
test/plat/ms_suites_plat.c: $(PLAT_TESTS) tools/gen_suites.py
	$(PYTHON) tools/gen_suites.py $@ $(PLAT_TESTS)
test/imapu/ms_suites_imapu.c: $(IMAPU_TESTS) tools/gen_suites.py
	$(PYTHON) tools/gen_suites.py $@ $(IMAPU_TESTS)

# A test file gets its registration block when the list is generated, so
# its object must wait for that.
$(call obj,$(UNIT_TESTS)): test/unit/ms_suites_unit.c
$(call obj,$(PLAT_TESTS)): test/plat/ms_suites_plat.c
$(call obj,$(IMAPU_TESTS)): test/imapu/ms_suites_imapu.c

RUNNER_OBJ := $(call obj,test/unit/ms_cu_run.c)

$(B)/test/run_unit: $(call obj,test/unit/run_unit.c test/unit/ms_suites_unit.c $(UNIT_TESTS)) $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CU_LIBS) $(LDLIBS)

# IMAP sessions driven in-process through a fake connection
# (test/imapu/ms_fake_conn.c stands in for the runtime's ms_conn.c).
$(B)/test/run_imapu: $(call obj,test/imapu/run_imapu.c test/imapu/ms_fake_conn.c test/imapu/ms_suites_imapu.c $(IMAPU_TESTS)) $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CU_LIBS) $(LDLIBS)

$(B)/test/run_plat: $(call obj,test/plat/run_plat.c test/plat/ms_suites_plat.c $(PLAT_TESTS)) $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CU_LIBS) $(LDLIBS)

# The child process of the platform contract tests (cross-process locks,
# spawn/reap, privilege drop, signals); its path is compiled into them
# (MS_PLAT_HELPER in the environment overrides it at run time).
PLAT_HELPER := $(B)/test/plat_helper
$(PLAT_HELPER): $(call obj,test/plat/plat_helper.c) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(call obj,test/plat/test_plat_lock.c test/plat/test_plat_misc.c): \
	TEST_CFLAGS += -DMS_PLAT_HELPER='"$(abspath $(PLAT_HELPER))"'
$(B)/test/run_plat $(B)/test/run_plat_rms: | $(PLAT_HELPER)

# The child of the multi-process unit test (test/unit/test_mproc.c: several
# processes append to one mailbox); its path is compiled in the same way
# (MS_MPROC_CHILD in the environment overrides it at run time).
MPROC_CHILD := $(B)/test/mproc_child
$(MPROC_CHILD): $(call obj,test/unit/mproc_child.c) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(call obj,test/unit/test_mproc.c): \
	TEST_CFLAGS += -DMS_MPROC_CHILD='"$(abspath $(MPROC_CHILD))"'
$(B)/test/run_unit: | $(MPROC_CHILD)

# ---- VMS back end on Linux (docs/porting-vms.md) --------------------------
# L1: every platform/vms file (and platform/common) compiles against the
#     self-written RMS, $ENQ and CRTL declarations in test/vmsshim/include.
# L2: the VMS file-system, lock, poll and time back ends, linked to the
#     RMS emulation, pass the same platform contract suites as the Linux
#     back end, plus the emulation's own suites.
VMSSHIM     := test/vmsshim
# glibc stands in for the CRTL's headers: -D_DEFAULT_SOURCE shows the
# POSIX/BSD calls (fsync, ftruncate, vfork, gethostname) DEC C declares
# by default.  -Itest/unit is for run_plat_rms.c (ms_cu.h).
SHIM_CFLAGS := -std=c99 $(WARN) $(OPT) $(SAN) -D__VMS -DMS_VMS_SHIM \
               -D_DEFAULT_SOURCE -I$(VMSSHIM)/include $(INCLUDES) -Itest/unit
VMS_L2_SRC  := platform/vms/plat_fs_rms.c platform/vms/plat_lock_enq.c \
               platform/vms/plat_poll_select.c platform/vms/plat_time_vms.c
EMUL_SRC    := $(wildcard $(VMSSHIM)/rms_emul.c $(VMSSHIM)/enq_emul.c)
VMS_COMMON  := $(call listed,^plat_common$$)

$(B)/vms/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SHIM_CFLAGS) -MMD -MP -c $< -o $@

vms-l1: $(patsubst %.c,$(B)/vms/%.o,$(VMS_SRC) $(VMS_COMMON))
	@echo "vms-l1: $(words $(VMS_SRC) $(VMS_COMMON)) platform/vms and platform/common files compile against test/vmsshim"

VMS_L2_OBJ  := $(patsubst %.c,$(B)/vms/%.o,$(VMS_L2_SRC) $(EMUL_SRC) $(VMSSHIM)/run_plat_rms.c)

# The contract suites against the VMS back end ...
$(B)/test/run_plat_rms: $(VMS_L2_OBJ) $(call obj,test/plat/ms_suites_plat.c $(PLAT_TESTS)) $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CU_LIBS) $(LDLIBS)

# ... and the model's own suites (versions, $SEARCH, select()).
VMSSHIM_TESTS := $(sort $(wildcard $(VMSSHIM)/test_*.c))
$(VMSSHIM)/ms_suites_vmsshim.c: $(VMSSHIM_TESTS) tools/gen_suites.py
	$(PYTHON) tools/gen_suites.py $@ $(VMSSHIM_TESTS)
$(patsubst %.c,$(B)/vms/%.o,$(VMSSHIM_TESTS)): $(VMSSHIM)/ms_suites_vmsshim.c
$(B)/test/run_vmsshim: $(VMS_L2_OBJ) $(patsubst %.c,$(B)/vms/%.o,$(VMSSHIM)/ms_suites_vmsshim.c $(VMSSHIM_TESTS)) $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $^ $(CU_LIBS) $(LDLIBS)

# ---- fuzz targets (test/fuzz/fuzz_<name>.c) --------------------------------
FUZZ_SRC   := $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst test/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_B     := $(B)/fuzz

# Replay the checked-in corpora through a plain driver (any compiler).
$(B)/test/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/run_fuzz.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< test/fuzz/run_fuzz.c $(LIB) $(LDLIBS)

fuzz-replay: $(addprefix $(B)/test/fuzz_,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
		$(B)/test/fuzz_$$n test/fuzz/corpus/$$n || exit 1; \
	done

$(FUZZ_B)/lib/libmsgstore.a: FORCE
	$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
		SAN="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=all" \
		$(FUZZ_B)/lib/libmsgstore.a

$(FUZZ_B)/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_B)/lib/libmsgstore.a
	$(FUZZ_CC) $(TEST_CFLAGS) $(FUZZ_SAN) -o $@ $< $(FUZZ_B)/lib/libmsgstore.a $(LDLIBS)

fuzz-smoke: deps $(addprefix $(FUZZ_B)/fuzz_,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_B)/work/$$n; \
		dict=; [ -f test/fuzz/$$n.dict ] && dict=-dict=test/fuzz/$$n.dict; \
		echo "fuzz-smoke: $$n ($(FUZZ_SMOKE_RUNS) runs)"; \
		$(FUZZ_B)/fuzz_$$n -runs=$(FUZZ_SMOKE_RUNS) -max_len=65536 $$dict \
			$(FUZZ_B)/work/$$n test/fuzz/corpus/$$n 2>$(FUZZ_B)/work/$$n.log \
			|| { tail -40 $(FUZZ_B)/work/$$n.log; exit 1; }; \
	done
	@echo "fuzz-smoke: $(words $(FUZZ_NAMES)) targets clean"

fuzz: deps $(addprefix $(FUZZ_B)/fuzz_,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_B)/work/$$n; \
		dict=; [ -f test/fuzz/$$n.dict ] && dict=-dict=test/fuzz/$$n.dict; \
		$(FUZZ_B)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) $$dict \
			$(FUZZ_B)/work/$$n test/fuzz/corpus/$$n || exit 1; \
	done

# ---- store robustness and benchmarks ---------------------------------------
# check-crash: the SIGKILL crash test,
# concurrent appenders, full disk (fault back end) and simulated power loss
# against one mailbox (test/crash/run_crash.py), and SIGKILL of the LMTP
# and IMAP services and of `msgstore deliver` under delivery and IMAP
# load (test/crash/run_lmtp_crash.py);
# CRASH_SECONDS for a longer run.  bench-store: store-level benchmarks
# (bench/README.md); not part of
# `make check`.
CRASH_SECONDS ?= 20
CRASH_ARGS    ?=
$(B)/test/crash_append: test/crash/crash_append.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

check-crash: $(B)/test/crash_append $(B)/bin/msgstore $(B)/bin/msgstored
	$(PYTHON) test/crash/run_crash.py --driver $(B)/test/crash_append \
		--msgstore $(B)/bin/msgstore --seconds $(CRASH_SECONDS) \
		$(CRASH_ARGS)
	$(PYTHON) test/crash/run_lmtp_crash.py --msgstored $(B)/bin/msgstored \
		--seconds $(CRASH_SECONDS)

$(B)/bench/bench_store: bench/bench_store.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# load-limits: 10,000 IDLE connections, a client that reads nothing and
# clients sending a byte a second against one msgstored, with its memory
# reported (bench/load_limits.py; LIMITS_ARGS="--conns 2000" for less).
LIMITS_ARGS ?=
load-limits: deps all $(B)/bench/bench_imap
	$(PYTHON) bench/load_limits.py --bin $(B)/bin --bench-bin $(B)/bench \
		$(LIMITS_ARGS)

BENCH_ARGS ?=
bench-store: $(B)/bench/bench_store
	$(B)/bench/bench_store $(BENCH_ARGS)

# Protocol benchmarks side by side with Dovecot (bench/run.py).
$(B)/bench/bench_fill: bench/bench_fill.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)
$(B)/bench/bench_imap: bench/bench_imap.c bench/bench_io.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)
$(B)/bench/bench_lmtp: bench/bench_lmtp.c bench/bench_io.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)
$(B)/bench/bench_pop3: bench/bench_pop3.c bench/bench_io.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)
bench: deps all $(B)/bench/bench_fill $(B)/bench/bench_imap \
	$(B)/bench/bench_lmtp $(B)/bench/bench_pop3
	@sh tools/deps.sh bench
	$(PYTHON) bench/run.py --bin $(B)/bin --bench-bin $(B)/bench $(BENCH_ARGS)


# ---- checks ----------------------------------------------------------------
deps:
	@sh tools/deps.sh

lint:
	@sh tools/lint_tree.sh
	@sh tools/lint_selftest.sh
	@$(PYTHON) tools/gen_descrip.py --check

headers:
	@sh tools/check_headers.sh "$(CC)" "$(INCLUDES)"

extnames: $(LIB)
	@sh tools/check_extnames.sh $(LIB)

clang-build:
	$(MAKE) --no-print-directory B=$(B)/clang CC=clang all

unit: $(B)/test/run_unit $(B)/test/run_imapu
	$(B)/test/run_unit
	$(B)/test/run_imapu

cli: $(BINS)
	sh test/unit/cli_smoke.sh $(B)/bin
	sh test/unit/cli_store.sh $(B)/bin
	sh test/unit/cli_recon.sh $(B)/bin
	sh test/unit/cli_fwd.sh $(B)/bin
	sh test/unit/cli_sieve.sh $(B)/bin

# Protocol tests: a real msgstored on loopback ports, driven by Python's
# imaplib and raw sockets (test/proto; --target dovecot runs the same
# suites against a private Dovecot to check the tests themselves).
proto: $(BINS)
	$(PYTHON) test/proto/run_proto.py --msgstored $(B)/bin/msgstored

# Real clients (mbsync, offlineimap, curl, mutt) against a live msgstored;
# each is skipped when not installed (test/clients).
check-clients: $(BINS)
	$(PYTHON) test/clients/run_clients.py --msgstored $(B)/bin/msgstored

plat: $(B)/test/run_plat $(B)/test/run_plat_rms $(B)/test/run_vmsshim
	$(B)/test/run_plat --backend posix
	$(B)/test/run_plat --backend fault
	$(B)/test/run_plat_rms --backend rms
	$(B)/test/run_vmsshim --backend rms

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory all headers extnames vms-l1
	@$(MAKE) --no-print-directory clang-build
	@$(MAKE) --no-print-directory unit plat cli proto api-example fuzz-replay
	@echo "check: all passed"

check-asan: deps
	$(MAKE) --no-print-directory B=$(B)/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		unit plat cli proto fuzz-replay

descrip:
	$(PYTHON) tools/gen_descrip.py

# ---- install, and a program built against the installed tree -------------
PREFIX  ?= /usr/local
DESTDIR ?=

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/msgstore
	cp $(B)/bin/msgstore $(DESTDIR)$(PREFIX)/bin/
	cp $(B)/bin/msgstored $(DESTDIR)$(PREFIX)/sbin/
	cp $(LIB) $(DESTDIR)$(PREFIX)/lib/
	cp include/msgstore.h $(DESTDIR)$(PREFIX)/include/
	cp config/msgstore.conf $(DESTDIR)$(PREFIX)/share/msgstore/

# test/api/api_example.c sees only the installed header and library.
api-example: $(LIB)
	rm -rf $(B)/stage $(B)/api-store
	@mkdir -p $(B)/test
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(B)/stage) PREFIX=/usr
	$(CC) -std=c99 -Wall -Wextra -Werror $(SAN) -I$(B)/stage/usr/include \
		-o $(B)/test/api_example test/api/api_example.c \
		-L$(B)/stage/usr/lib -lmsgstore $(LDLIBS)
	$(B)/test/api_example $(B)/api-store
	rm -rf $(B)/api-store

run: deps all
	$(B)/bin/msgstored

clean:
	rm -rf $(B)

FORCE:
.PHONY: all check check-asan unit plat cli proto api-example install deps lint headers extnames \
	clang-build vms-l1 fuzz fuzz-smoke fuzz-replay descrip run clean FORCE \
	check-crash bench-store bench check-clients load-limits

-include $(shell find $(B) -name '*.d' 2>/dev/null)
