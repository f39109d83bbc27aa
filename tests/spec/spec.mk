# OpenAPI conformance check, included at the end of the top Makefile.
#
#   make check-spec   the integration suite with Stoplight Prism (proxy
#                     mode) validating every request and answer against
#                     ../shared/instantly-openapi.json (tests/spec/run.sh),
#                     every mount with -o cache=memory, so that CI runs the
#                     suite once without the store,
#                     then a time-bound browse of a mount of Prism's mock
#                     of the spec (tests/spec/mock.sh).  Both run; either
#                     failing fails the target.  Prism comes from npm
#                     (tests/spec/package-lock.json) on first use.

.PHONY: check-spec

check-spec:
	$(MAKE) all
	@rc=0; \
	INSTANTLYFS=$(abspath $(BUILD)/instantlyfs) INSTANTLYFS_MOUNT_OPTS=cache=memory \
		sh tests/spec/run.sh || rc=1; \
	INSTANTLYFS=$(abspath $(BUILD)/instantlyfs) sh tests/spec/mock.sh || rc=1; \
	exit $$rc
