# rectify — see README.md. Every target works on a fresh clone.
export GOTOOLCHAIN := local

GO       ?= go
BIN      := bin
DATA_DIR ?= ./data

.PHONY: build test lint run bench clean dist

## build: compile the worker (the whole product) and the starter CLI into bin/
build:
	$(GO) build -o $(BIN)/rectify-worker ./worker
	$(GO) build -o $(BIN)/starter ./starter

## run: the one-command run — embedded Temporal, worker, API and a demo campaign
run: build
	RECTIFY_DATA_DIR=$(DATA_DIR) RECTIFY_DEMO=$${RECTIFY_DEMO:-auto} $(BIN)/rectify-worker

## test: everything CI runs — formatting, vet, unit, workflow, replay and integration tests
test:
	./scripts/test

## lint: formatting, vet, tidy go.mod files, staticcheck, errcheck, workflowcheck and
## the import boundaries (linters pinned in scripts/tools/go.mod, built into .tools/bin)
lint:
	./scripts/lint

## bench: rectify against its engine's ceiling (rectify-worker bench), then the
## micro-benchmarks; writes docs/benchmarks.md. BENCH_ARGS go to rectify-worker bench,
## e.g. --open 1000,10000
bench:
	./scripts/bench $(BENCH_ARGS)

## dist: the release tarball for a machine with no internet (docs/operations.md,
## "Offline install"): dist/rectify-VERSION-linux-amd64.tar.gz, VERSION from git describe
dist:
	./scripts/dist

clean:
	rm -rf $(BIN) dist
