# The two commands of README.md. Both run the idempotent host set-up first.
.PHONY: image test setup

setup:
	@scripts/setup-host.sh

image: setup
	node bin/armada.js build

test: setup
	npx tsc -p tsconfig.json --noEmit
	npx eslint .
	npx prettier --check . >/dev/null
	# One tier at a time: integration and e2e both want the machine's two cores and disk.
	npx vitest run --project unit
	npx vitest run --project integration
	npx vitest run --project e2e
