# instantlyfs - mount an Instantly.ai workspace as files.
#
#   make            build ./instantlyfs
#   make check      every test: unit (Check), integration (real mount
#                   against the fake API), both again under ASan/UBSan,
#                   and a short run of every fuzzer
#   make check-valgrind   the integration suite with the mount under memcheck
#   make check-faults     the integration suite fault-free and under random
#                   faults, and the fake's final states of both compared
#   make fuzz       a longer run of every fuzzer
#   make demo       mount a sample workspace at ./mnt (make demo-stop)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        a Debian package, build/instantlyfs_<version>_<arch>.deb
#                   (packaging in contrib/debian)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man/man1
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
VERSION := 0.1.0

CC ?= cc
PKGS := fuse3 libcurl libcjson sqlite3
BUILD ?= build
SAN ?=
OPT ?= -O2

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-D_FILE_OFFSET_BITS=64 \
	-DINSTANTLYFS_VERSION='"$(VERSION)"' -Iinclude $(PKG_CFLAGS) \
	$(SAN) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%.o)

ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

.PHONY: all deps check check-unit check-integration check-asan \
	check-valgrind check-faults demo demo-stop install uninstall clean bench format \
	deb

all: deps $(BUILD)/instantlyfs
	@ln -sf $(BUILD)/instantlyfs instantlyfs

deps:
	@sh contrib/deps.sh

$(BUILD)/instantlyfs: $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c $(wildcard include/*.h tests/unit/*.h) | $(BUILD)
	@mkdir -p $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Wno-shadow -c -o $@ $<

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(LIB_OBJS) $(LIBS) $(CHECK_LIBS)

$(BUILD):
	@mkdir -p $(BUILD)

check: check-unit check-integration check-asan check-fuzz

check-unit: deps $(BUILD)/unit-tests
	CK_FORK=yes $(BUILD)/unit-tests

check-integration: all
	INSTANTLYFS=$(abspath $(BUILD)/instantlyfs) sh tests/integration/run.sh

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan: deps
	$(MAKE) BUILD=build-asan SAN='$(ASAN_FLAGS)' OPT=-O1 \
		build-asan/instantlyfs build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 CK_FORK=no \
		build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
		INSTANTLYFS=$(abspath build-asan/instantlyfs) SANITIZED=1 \
		sh tests/integration/run.sh

# The integration suite with the mount under valgrind memcheck: any
# invalid read or write or definitely lost block fails the test class.
check-valgrind: all
	INSTANTLYFS=$(abspath tests/valgrind.sh) \
		VALGRIND_BINARY=$(abspath $(BUILD)/instantlyfs) VALGRIND=1 \
		sh tests/integration/run.sh

# The integration suite fault-free, then with the fake injecting random
# faults (429s, 5xx before and after the work, resets, slow answers), and
# the fake's final state of every test class compared between the two:
# nothing lost, nothing done twice.
check-faults: all
	INSTANTLYFS=$(abspath $(BUILD)/instantlyfs) sh tests/faults/run.sh

MNT ?= mnt
demo: all
	@sh contrib/demo.sh start "$(MNT)"

demo-stop:
	@sh contrib/demo.sh stop "$(MNT)"

# The binaries, the man pages, the bash completion and the systemd user unit
# (its ExecStart names the installed binary).
install: $(BUILD)/instantlyfs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(USERUNITDIR)
	install -m 0755 $(BUILD)/instantlyfs $(DESTDIR)$(BINDIR)/instantlyfs
	install -m 0755 contrib/instantlyfs-sendmail \
		$(DESTDIR)$(BINDIR)/instantlyfs-sendmail
	install -m 0644 docs/instantlyfs.1 docs/instantlyfs-sendmail.1 \
		$(DESTDIR)$(MANDIR)/
	install -m 0644 contrib/bash-completion/instantlyfs \
		$(DESTDIR)$(COMPLETIONDIR)/instantlyfs
	sed 's|/usr/bin/instantlyfs|$(BINDIR)/instantlyfs|' \
		contrib/systemd/instantlyfs.service \
		>$(DESTDIR)$(USERUNITDIR)/instantlyfs.service
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/instantlyfs.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/instantlyfs $(DESTDIR)$(MANDIR)/instantlyfs.1 \
		$(DESTDIR)$(BINDIR)/instantlyfs-sendmail \
		$(DESTDIR)$(MANDIR)/instantlyfs-sendmail.1 \
		$(DESTDIR)$(COMPLETIONDIR)/instantlyfs \
		$(DESTDIR)$(USERUNITDIR)/instantlyfs.service

# The package is built with debhelper from a copy of the sources in
# build/deb (contrib/debian as its debian/, a changelog of this VERSION).
DEB_SRC = $(BUILD)/deb/instantlyfs-$(VERSION)
deb: deps
	@rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	tar -c --exclude=node_modules Makefile README.md src include docs \
		contrib tests | tar -x -C $(DEB_SRC)
	cp -r contrib/debian $(DEB_SRC)/debian
	sh contrib/debian/changelog.sh $(VERSION) >$(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	mv $(BUILD)/deb/instantlyfs_$(VERSION)_*.deb $(BUILD)/
	@ls $(BUILD)/instantlyfs_$(VERSION)_*.deb

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c

clean:
	rm -rf build build-asan build-fuzz instantlyfs

include tests/fuzz/fuzz.mk

# Speed and memory on a 100,000-lead campaign (BENCH_LEADS=N to change),
# beside a paginating script, tmpfs and the least FUSE costs (floor.c).
$(BUILD)/floor: tests/bench/floor.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBS)

bench: all $(BUILD)/floor
	INSTANTLYFS=$(abspath $(BUILD)/instantlyfs) \
		FLOOR=$(abspath $(BUILD)/floor) python3 tests/bench/bench.py
include tests/spec/spec.mk
