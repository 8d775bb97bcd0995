# slocheck's two commands for a fresh machine:
#   make run    runs the main job: a full failover scenario on the embedded platform
#   make test   runs every test and check (what .ci/run runs)
GO ?= go

.PHONY: run test test-go test-stats test-extensions check-terraform vet build

run:
	$(GO) run ./cmd/slocheck run

# slocheck and its companion slocheck-cloud (the AKS and Azure Resource Manager
# injectors), from the same build: slocheck finds it beside itself.
build:
	$(GO) build -o bin/slocheck ./cmd/slocheck
	$(GO) build -o bin/slocheck-cloud ./cmd/slocheck-cloud

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race -count=1 -timeout 20m ./...

# The comparison tests whose verdicts need a rig that keeps up, without the
# race detector (which makes the in-process platform and generator about five
# times as costly a request: three side-by-side runs would need 3.6 cores),
# alone after test-go so that no other package's tests share the machine.
# Then the tests that bound what the reports allocate, which skip under the
# race detector (its sync.Pool drops items at random).
test-stats:
	$(GO) test -count=1 -timeout 5m -run '^TestCompareEmbedded$$' -v ./internal/runner/
	$(GO) test -count=1 -run 'Allocate|DoesNotCopy|PeakHeap' ./internal/report/ ./internal/slo/

# The xk6 extension is its own module; bin/k6 (built first) lets the k6
# engine's end-to-end tests in internal/runner run instead of skipping.
# Its go.mod carries no replace: build.sh points it at this checkout.
test-extensions:
	sh extensions/build.sh test

# terraform fmt, tflint (azurerm ruleset) and tfsec, built from pinned versions.
check-terraform:
	bash scripts/check-terraform.sh

test: vet k6 test-extensions test-go test-stats check-terraform

# bin/k6: k6 with slocheck's extension, for `slocheck run --engine k6`. Make
# rebuilds it only when the extension or the slocheck code it imports changes,
# and Go's build cache makes that rebuild quick (cold: about 3 minutes).
K6_SOURCES := $(shell find extensions results adminapi -name '*.go' -not -name '*_test.go' 2>/dev/null) extensions/go.mod extensions/go.sum

.PHONY: k6
k6: bin/k6

# CI's k6 build: xk6 build --with github.com/slocheck/slocheck/extensions=./extensions
# --replace github.com/slocheck/slocheck=. (build.sh).
bin/k6: $(K6_SOURCES)
	sh extensions/build.sh xk6
