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
