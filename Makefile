# slocheck's two commands for a fresh machine:
#   make run    runs the main job: a full failover scenario on the embedded platform
#   make test   runs every test and check (what .ci/run runs)
GO ?= go

.PHONY: run test test-go vet build

run:
	$(GO) run ./cmd/slocheck run

build:
	$(GO) build -o bin/slocheck ./cmd/slocheck

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race -count=1 -timeout 20m ./...

test: vet test-go

# bin/k6: k6 with slocheck's extension, for `slocheck run --engine k6`. Make
# rebuilds it only when the extension or the slocheck code it imports changes,
# and Go's build cache makes that rebuild quick (cold: about 3 minutes).
K6_SOURCES := $(shell find extensions internal/results internal/chaos internal/exitcode -name '*.go' -not -name '*_test.go' 2>/dev/null) extensions/go.mod extensions/go.sum

.PHONY: k6
k6: bin/k6

bin/k6: $(K6_SOURCES)
	sh extensions/build.sh
