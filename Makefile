# Makefile - settle, the Comex nightly settlement pipeline.
#
#   make            build bin/settle
#   make check      install what is missing (scripts/bootstrap), build, run every test
#   make demo       install what is missing, build, run the nightly job on demo data
#   make asan       build and run the tests with AddressSanitizer + UBSan
#   make valgrind   the unit tests under valgrind memcheck (leaks are errors)
#   make lint       cppcheck, clang-tidy, banned functions, include directions
#                   (scripts/lint; part of check, beside pass 1)
#   make coverage   line coverage of the unit tests (gcov + gcovr, build/coverage)
#   make check-crash  the crash harness: 30 trials of kill -9 `settle run`
#                   (CRASH_TRIALS=N CRASH_SEED=S; tests/crash/crash.sh)
#   make bench      benchmarks (never part of check)
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall: the same, removed)
#   make deb        a Debian package in build/ (scripts/mkdeb)
#
# Objects go under $(BUILD) (build/ by default), with -MMD dependency files
# so a header change rebuilds what includes it.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
BINDIR  ?= bin
CC      ?= cc

PKGS    = libpq libpcre2-8 libssh2 zlib libcrypto inih libcurl json-c xlsxwriter libzip libxml-2.0
# Lazy (=) so that a fresh machine's first `make check` reads pkg-config
# after scripts/bootstrap has installed it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lcsv

CFLAGS  ?= -O2 -g
# Messages are cut to their buffers on purpose: snprintf truncation is not an error here.
WARN     = -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation
ALL_CPPFLAGS = -I. -D_GNU_SOURCE $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(WARN) $(CFLAGS) -MMD -MP

LIB_SRC  = $(wildcard common/*.c parsers/*.c reconcile/*.c fetch/*.c ingest/*.c export/*.c report/*.c) $(filter-out jobs/main.c,$(wildcard jobs/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o $(BUILD)/gen/queries.o
MIGRATIONS = $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
# Named statements (sql/queries/NAME.sql -> sqlq_NAME, declared with SQL_QUERY() in common/db.h).
QUERIES = $(sort $(wildcard sql/queries/*.sql))

UNIT_SRC  = $(shell find tests/unit -name '*_test.c' 2>/dev/null | sort)
UNIT_BIN  = $(UNIT_SRC:%.c=$(BUILD)/%)
TEST_SUPPORT_SRC = $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ = $(TEST_SUPPORT_SRC:%.c=$(BUILD)/%.o)
# Kept (not an intermediate make deletes after linking), so a later make of
# the same tree (scripts/check builds a tree, then tests it) relinks nothing.
.SECONDARY: $(TEST_SUPPORT_OBJ)

SETTLE = $(BINDIR)/settle

.PHONY: all check check-package check-crash test unit unit-build integration demo asan asan-build asan-test valgrind valgrind-build valgrind-run lint coverage install install-files uninstall deb clean bootstrap bench fuzz fuzz-build docs tools
.DEFAULT_GOAL := all

all: $(SETTLE)

$(SETTLE): $(BUILD)/jobs/main.o $(BUILD)/libsettle.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/libsettle.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# sql (the folder): a migration removed or renamed changes its mtime, not any listed file.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) sql scripts/embed-sql
	@mkdir -p $(@D)
	scripts/embed-sql $@ $(MIGRATIONS)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/queries.c: $(QUERIES) sql/queries scripts/embed-queries
	@mkdir -p $(@D)
	scripts/embed-queries $@ $(QUERIES)

$(BUILD)/gen/queries.o: $(BUILD)/gen/queries.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libsettle.a $(TEST_SUPPORT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJ) $(BUILD)/libsettle.a $(PKG_LIBS) $$(pkg-config --libs cmocka)

# Allocation-failure tests (tests/support/failalloc.h): every malloc,
# calloc, realloc, strdup and strndup of the test and libsettle.a goes
# through the test's wrappers. `override` so that `make asan`'s LDFLAGS add to it.
OOM_TESTS = $(BUILD)/tests/unit/parsers/oom_test $(BUILD)/tests/unit/reconcile/oom_test $(BUILD)/tests/unit/reconcile/cards_oom_test $(BUILD)/tests/unit/jobs/migrate_oom_test
$(OOM_TESTS): override LDFLAGS += -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
    -Wl,--wrap=strdup -Wl,--wrap=strndup

# Test tools (benchmark generators): built by the $(BUILD)/tests/% rule.
tools: $(BUILD)/tests/tools/gencnab240 $(BUILD)/tests/tools/reap

bootstrap:
	@scripts/bootstrap

# The package tests alone (package.sh, package_deploy.sh), making the
# clean root first when none is cached (scripts/debroot: mmdebstrap, minutes).
check-package: bootstrap $(SETTLE)
	@SETTLE=$(abspath $(SETTLE)) BUILD=$(abspath $(BUILD)) scripts/run-tests --integration package

# `make check` is the one test command (README, .ci/run): set up, then
# scripts/check, whose sub-makes read the flags after bootstrap. Lint and
# three passes, each must be clean: the whole suite; the unit tests and the
# integration tests of ASAN_SUBSET built with AddressSanitizer + UBSan
# (leaks included); the unit tests under valgrind memcheck, from the
# coverage build, whose counters give the line coverage printed last
# (docs/testing.md, "Sanitizers and valgrind"). The ASan tree, the coverage
# tree and lint are made beside pass 1 at nice 19, from the CPU its waits on
# PostgreSQL and sshd leave idle; lint's output is printed after pass 1.
# Each tree is built with one compiler per processor (NPROC);
# scripts/run-tests runs the integration tests that many at a time.
# The package tests' clean root (scripts/debroot, minutes on a fresh machine)
# is made in the background from the start, niced, beside the build and pass 1;
# tests/integration/package.sh waits for it (at normal priority from then).
NPROC := $(shell nproc 2>/dev/null || echo 1)
check: bootstrap
	@scripts/debroot --background build/debroot || true
	@MAKE="$(MAKE)" NPROC=$(NPROC) ASAN_SUBSET="$(ASAN_SUBSET)" scripts/check

test: $(SETTLE) $(UNIT_BIN) tools
	@SETTLE=$(abspath $(SETTLE)) BUILD=$(abspath $(BUILD)) scripts/run-tests

# The unit test binaries alone (scripts/check, asan-build, valgrind-build).
unit-build: $(UNIT_BIN)

# The crash harness (docs/testing.md): CRASH_TRIALS (30) kills of `settle run`.
CRASH_TRIALS ?= 30
check-crash: bootstrap
	@$(MAKE) --no-print-directory all tools
	@SETTLE=$(abspath $(SETTLE)) BUILD=$(abspath $(BUILD)) CRASH_TRIALS_CHECK=$(CRASH_TRIALS) CRASH_SEED=$(CRASH_SEED) \
	    scripts/run-tests --integration /crash.sh

unit: $(UNIT_BIN)
	@BUILD=$(abspath $(BUILD)) scripts/run-tests --unit

integration: $(SETTLE) tools
	@SETTLE=$(abspath $(SETTLE)) BUILD=$(abspath $(BUILD)) scripts/run-tests --integration

# ASan + UBSan build in build/asan; every sanitizer report (ASan, LSan
# leaks, UBSan) fails the test it appeared in (scripts/run-tests SANITIZER_LOGS).
# `make asan` runs the whole suite; `make check` the integration tests of
# ASAN_SUBSET only (every command and both SFTP directions, in a fraction of
# the time: docs/testing.md).
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_SUBSET ?= cli migrate parse parse_pix pix_api pix_psp pix_refunds pix_hybrid bank_money ingest reconcile_rules reconcile_conflict reconcile_pipeline fetch fetch_hostkey fetch_resume pix_api_pull sftp_upload export export-upload report status run roles security cards_ledger cards_cielo cards_rede purge report_xlsx resolve_from resolve_from_reopen
asan: bootstrap
	@$(MAKE) --no-print-directory asan-test
# clang: GCC's UBSan runtime ignores log_path, clang's honours it.
ASAN_VARS = BUILD=build/asan BINDIR=build/asan/bin CC=clang \
    WARN="$(WARN) -Wno-unknown-warning-option" \
    CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined"
# The ASan tree alone (settle, the unit tests, the tools; scripts/check
# builds it beside pass 1).
asan-build:
	@[ "$$(cat build/asan/.cc 2>/dev/null)" = clang ] || { rm -rf build/asan; mkdir -p build/asan; echo clang >build/asan/.cc; }
	@$(MAKE) --no-print-directory all tools unit-build $(ASAN_VARS)
asan-test:
	@[ "$$(cat build/asan/.cc 2>/dev/null)" = clang ] || { rm -rf build/asan; mkdir -p build/asan; echo clang >build/asan/.cc; }
	@rm -rf build/asan/sanitizer-logs
	@$(MAKE) --no-print-directory test $(ASAN_VARS) SANITIZER_LOGS=$(abspath build/asan/sanitizer-logs)

# Unit tests under valgrind memcheck, from the coverage build (build/coverage:
# gcc -O0 -g --coverage; valgrind-build builds it, valgrind-run runs it with
# the counters reset first, so `scripts/coverage build/coverage` after it
# gives the line coverage of that run): any error, or a definite or
# indirect leak, fails the binary. One build and one run serve both
# (make check's pass 3 and its coverage figure).
COV_VARS = BUILD=build/coverage CC=gcc CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage"
valgrind: bootstrap
	@$(MAKE) --no-print-directory valgrind-build
	@$(MAKE) --no-print-directory valgrind-run
valgrind-build:
	@$(MAKE) --no-print-directory unit-build $(COV_VARS)
valgrind-run:
	@find build/coverage -name '*.gcda' -delete 2>/dev/null || true
	@VALGRIND=1 BUILD=$(abspath build/coverage) scripts/run-tests --unit

# The house rules (CONTRIBUTING.md): cppcheck, clang-tidy (.clang-tidy),
# scripts/lint-banned and scripts/lint-includes over common/ parsers/
# reconcile/ fetch/ jobs/. Last line `lint: clean` or the failed checks.
# Part of `make check` (run beside pass 1, its output printed after it).
lint: bootstrap
	@scripts/lint

# Line coverage of the unit tests: the coverage build (gcc -O0 -g --coverage
# in build/coverage, the tree `make valgrind` runs; counters reset first),
# run without valgrind, then gcovr (scripts/coverage); the last line is
# `coverage: NN.N% of lines`. (make check takes its figure from pass 3's
# valgrind run of the same binaries.) Integration tests are not counted
# (they run bin/settle, not this build).
coverage: bootstrap
	@find build/coverage -name '*.gcda' -delete 2>/dev/null || true
	@$(MAKE) --no-print-directory unit-build $(COV_VARS)
	@BUILD=$(abspath build/coverage) scripts/run-tests --unit
	@scripts/coverage build/coverage

demo: bootstrap
	@$(MAKE) --no-print-directory all
	@SETTLE=$(abspath $(SETTLE)) scripts/demo

# Benchmarks: every scripts/bench/*.sh (or BENCH=name), each printing its
# own figures and ratios measured in the same run. Never part of check.
bench: bootstrap
	@$(MAKE) --no-print-directory all
	@set -e; for b in $(if $(BENCH),scripts/bench/$(BENCH).sh,$(sort $(wildcard scripts/bench/*.sh))); do \
	    echo "== $$b"; SETTLE=$(abspath $(SETTLE)) bash $$b; done

# libFuzzer targets: tests/fuzz/NAME_fuzz.c (a body several share, as
# card_reader_fuzz.h, is a .h there), each run FUZZ_SECONDS (60) from
# the seeds in tests/fuzz/seeds/NAME/ (crashes land in build/fuzz/).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRC = $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/bin/%)
fuzz: bootstrap
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" \
	    WARN="$(WARN) -Wno-unknown-warning-option" fuzz-build
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f _fuzz); \
	    mkdir -p build/fuzz/corpus/$$n build/fuzz/crashes/$$n; \
	    echo "== $$n ($(FUZZ_SECONDS)s)"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/crashes/$$n/ \
	        build/fuzz/corpus/$$n tests/fuzz/seeds/$$n 2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss|INFO: Seed|==[0-9]+==ERROR|SUMMARY)' ; done
fuzz-build: $(FUZZ_BIN)
build/fuzz/bin/%_fuzz: tests/fuzz/%_fuzz.c $(wildcard tests/fuzz/*.h) $(BUILD)/libsettle.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(BUILD)/libsettle.a $(PKG_LIBS)

# The rendered diagram is committed so the README shows it without Graphviz.
docs: docs/deployment.svg
docs/deployment.svg: docs/deployment.dot
	@command -v dot >/dev/null || scripts/bootstrap
	dot -Tsvg -o $@ $<

# Install paths. Every file written below $(DESTDIR); the cron, systemd,
# sysusers.d and tmpfiles.d files get these paths substituted (@BINDIR@ ...)
# at install time, so `make install PREFIX=/usr` runs /usr/bin/settle.
# systemd reads units, sysusers.d and tmpfiles.d from /usr/local/lib too.
# The config goes to $(SYSCONFDIR)/settle/settle.conf only when none is
# there (never overwritten, and kept by `make uninstall`).
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
INSTALL_BINDIR      ?= $(PREFIX)/bin
PKGLIBDIR     ?= $(PREFIX)/lib/settle
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
DOCDIR        ?= $(DATADIR)/doc/settle
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR   ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
SUBST = sed -e 's|@BINDIR@|$(INSTALL_BINDIR)|g' -e 's|@PKGLIBDIR@|$(PKGLIBDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
            -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g'
DOCS = docs/settle.conf.example $(wildcard docs/*.md)
# What `make install` writes (and `make uninstall` removes), config aside.
INSTALLED = $(INSTALL_BINDIR)/settle $(PKGLIBDIR)/settle-nightly \
    $(MIGRATIONS:sql/%=$(DATADIR)/settle/sql/%) $(DATADIR)/settle/cron/settle.cron \
    $(UNITDIR)/settle.service $(UNITDIR)/settle.timer $(SYSUSERSDIR)/settle.conf $(TMPFILESDIR)/settle.conf \
    $(MANDIR)/man1/settle.1 $(COMPLETIONDIR)/settle $(DOCS:docs/%=$(DOCDIR)/%)

install: $(SETTLE)
	@$(MAKE) --no-print-directory install-files

# The files alone, from an existing $(SETTLE) (scripts/mkdeb: no rebuild).
install-files:
	install -d $(DESTDIR)$(INSTALL_BINDIR) $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(DATADIR)/settle/sql \
	    $(DESTDIR)$(DATADIR)/settle/cron $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SYSCONFDIR)/settle
	install -m 755 $(SETTLE) $(DESTDIR)$(INSTALL_BINDIR)/settle
	install -m 755 cron/settle-nightly $(DESTDIR)$(PKGLIBDIR)/settle-nightly
	install -m 644 $(MIGRATIONS) $(DESTDIR)$(DATADIR)/settle/sql/
	$(SUBST) cron/settle.cron >$(DESTDIR)$(DATADIR)/settle/cron/settle.cron
	$(SUBST) cron/settle.service >$(DESTDIR)$(UNITDIR)/settle.service
	$(SUBST) cron/settle.timer >$(DESTDIR)$(UNITDIR)/settle.timer
	$(SUBST) packaging/settle.sysusers >$(DESTDIR)$(SYSUSERSDIR)/settle.conf
	$(SUBST) packaging/settle.tmpfiles >$(DESTDIR)$(TMPFILESDIR)/settle.conf
	chmod 644 $(DESTDIR)$(DATADIR)/settle/cron/settle.cron $(DESTDIR)$(UNITDIR)/settle.service \
	    $(DESTDIR)$(UNITDIR)/settle.timer $(DESTDIR)$(SYSUSERSDIR)/settle.conf $(DESTDIR)$(TMPFILESDIR)/settle.conf
	install -m 644 docs/settle.1 $(DESTDIR)$(MANDIR)/man1/settle.1
	install -m 644 packaging/settle.bash-completion $(DESTDIR)$(COMPLETIONDIR)/settle
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	[ -e $(DESTDIR)$(SYSCONFDIR)/settle/settle.conf ] || \
	    install -m 640 docs/settle.conf.example $(DESTDIR)$(SYSCONFDIR)/settle/settle.conf

# Removes what `make install` wrote with the same PREFIX/DESTDIR; keeps the
# config, the spool, the logs and the settle user.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR)/settle/sql $(DESTDIR)$(DATADIR)/settle/cron $(DESTDIR)$(DATADIR)/settle \
	    $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

# A Debian package (scripts/mkdeb): build/settle_VERSION_ARCH.deb, from
# `make install PREFIX=/usr` into a staging root plus packaging/deb/.
deb: $(SETTLE)
	@SETTLE=$(abspath $(SETTLE)) BUILD=$(abspath $(BUILD)) scripts/mkdeb

clean:
	rm -rf build bin

# (build/deb and build/debroot hold package trees, whose *.d are not ours.)
-include $(shell find $(BUILD) \( -path '$(BUILD)/deb' -o -path '$(BUILD)/debroot' \) -prune -o -name '*.d' -type f -print 2>/dev/null)
