# The two commands of README.md. Both run the idempotent host set-up first.
# `make install` puts `armada` on PATH (PREFIX/bin, default /usr/local/bin) as a link to this
# checkout's bin/armada.js, after the same set-up; `make uninstall` removes that link only.
.PHONY: image test setup install uninstall

PREFIX ?= /usr/local

setup:
	@scripts/setup-host.sh

image: setup
	node bin/armada.js build

test: setup
	@scripts/test.sh

install: setup
	@scripts/install.sh "$(PREFIX)"

uninstall:
	@scripts/install.sh --uninstall "$(PREFIX)"
