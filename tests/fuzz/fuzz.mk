# tests/fuzz/fuzz.mk - libFuzzer harnesses for the code that reads outside
# data (API answers, names, imports, edited JSON as it is written, HTML
# bodies).
# Included by the top Makefile (or: make -f Makefile -f tests/fuzz/fuzz.mk).
#
#   make fuzz-build    build every harness into build-fuzz/ (clang)
#   make check-fuzz    a short run of each over its seed corpus (about
#                      FUZZ_CHECK_TIME seconds each); fails on any crash,
#                      leak, timeout or sanitizer report
#   make fuzz          a long run of each (FUZZ_TIME seconds), growing a
#                      corpus kept in build-fuzz/corpus/
#   make fuzz-clean    remove build-fuzz/
#
# Both runs write build-fuzz/summary.txt, one "<name> executions=<N>" line
# per harness.  FUZZ_NAMES=... runs only some.  A failing input is saved in
# build-fuzz/artifacts/<name>/; reproduce with build-fuzz/fuzz_<name> FILE.

_fuzz_default_goal := $(.DEFAULT_GOAL)

CC_FUZZ ?= clang
FUZZ_DIR ?= build-fuzz
FUZZ_TIME ?= 300
FUZZ_CHECK_TIME ?= 15
FUZZ_NAMES ?= pager escape import patch html jsonprefix

FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude \
	$(shell pkg-config --cflags libcjson libcurl)
FUZZ_LIBS = $(shell pkg-config --libs libcjson libcurl) -lpthread -lm

# The src/ files each harness links (never main.c or fs*.c).
FUZZ_SRC_pager := pager thread errmap render buf hmap
FUZZ_SRC_escape := escape
FUZZ_SRC_import := import patch msg buf hmap
FUZZ_SRC_patch := patch msg fields render buf hmap
FUZZ_SRC_html := html buf
FUZZ_SRC_jsonprefix := jsonprefix patch msg fields render buf hmap

FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz-deps fuzz-build check-fuzz fuzz fuzz-clean

fuzz-deps:
	@CC_FUZZ='$(CC_FUZZ)' sh tests/fuzz/deps.sh

$(FUZZ_DIR)/obj:
	@mkdir -p $@
	@echo '*' >$(FUZZ_DIR)/.gitignore

$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard include/*.h) | fuzz-deps $(FUZZ_DIR)/obj
	$(CC_FUZZ) $(FUZZ_CFLAGS) -c -o $@ $<

define FUZZ_HARNESS
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz_util.h \
		$(FUZZ_SRC_$(1):%=$(FUZZ_DIR)/obj/%.o) | fuzz-deps
	$$(CC_FUZZ) $$(FUZZ_CFLAGS) -Wall -Wextra -Itests/fuzz -o $$@ $$< \
		$(FUZZ_SRC_$(1):%=$(FUZZ_DIR)/obj/%.o) $$(FUZZ_LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_HARNESS,$(n))))

fuzz-build: $(FUZZ_BINS)

check-fuzz: fuzz-build
	@FUZZ_DIR='$(FUZZ_DIR)' sh tests/fuzz/run.sh check $(FUZZ_CHECK_TIME) \
		$(FUZZ_NAMES)

fuzz: fuzz-build
	@FUZZ_DIR='$(FUZZ_DIR)' sh tests/fuzz/run.sh long $(FUZZ_TIME) \
		$(FUZZ_NAMES)

fuzz-clean:
	rm -rf $(FUZZ_DIR)

# Including this file does not change the default goal.
.DEFAULT_GOAL := $(_fuzz_default_goal)
