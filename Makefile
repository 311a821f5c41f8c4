# The two commands of README.md. Both run the idempotent host set-up first.
.PHONY: image test setup

setup:
	@scripts/setup-host.sh

image: setup
	node bin/armada.js build

test: setup
	@scripts/test.sh
