#!/usr/bin/env bash
# Per-commit checks of terraform/ (run by `make test` through .ci/run). Offline: needs terraform,
# Go and the Go module proxy, nothing from GitHub or the Terraform registry.
#
#   1. terraform fmt -check -recursive
#   2. every module under terraform/modules is used by another module or an environment
#   3. tflint (terraform ruleset, preset "all", + the azurerm ruleset) with terraform/.tflint.hcl
#   4. tfsec: no finding of any severity, except ones ignored inline with a reason
#      (`#tfsec:ignore:<rule> <reason>`; an ignore without a reason fails the check)
#
# tflint, its azurerm plugin and tfsec are built from the exact versions pinned in tools/*/go.mod
# and cached in $SLOCHECK_TOOLS_DIR (default ~/.cache/slocheck/tools), keyed by a hash of each
# go.mod and go.sum, so the second run skips the build. Cold (building the three tools) costs
# about 8.5 CPU-minutes, i.e. 4-5 min on two idle cores; warm, the checks take about 15 s.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tf_dir="$repo/terraform"
tools_dir="${SLOCHECK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/slocheck/tools}"
# The azurerm ruleset is not in the public checksum database; its hash is pinned in go.sum.
ruleset_module="github.com/terraform-linters/tflint-ruleset-azurerm"
ruleset_version="0.27.0"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'check-terraform: %s\n' "$*" >&2; exit 1; }

# A private, empty CLI config: terraform never reads the user's (or a missing) one.
tf_cli_config="$(mktemp)"
trap 'rm -f "$tf_cli_config"' EXIT
export TF_CLI_CONFIG_FILE="$tf_cli_config"
export GOWORK=off GOFLAGS=-mod=readonly GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$ruleset_module"

command -v terraform >/dev/null || die "terraform not found on PATH"
command -v go >/dev/null || die "go not found on PATH"

# build_tool NAME PACKAGE: prints the path of NAME built from tools/NAME at its pinned versions.
build_tool() {
	local name="$1" pkg="$2" mod_dir="$repo/tools/$1" key bin
	key="$(cat "$mod_dir/go.mod" "$mod_dir/go.sum" | sha256sum | cut -c1-16)"
	bin="$tools_dir/$name-$key"
	if [[ ! -x "$bin" ]]; then
		log "building $name from tools/$name/go.mod (cached afterwards in $tools_dir)"
		mkdir -p "$tools_dir"
		(cd "$mod_dir" && go build -trimpath -o "$bin.tmp" "$pkg") || die "build of $name failed"
		mv "$bin.tmp" "$bin"
	fi
	printf '%s\n' "$bin"
}

check_fmt() {
	log "terraform fmt -check -recursive"
	terraform -chdir="$tf_dir" fmt -check -recursive -diff || die "run: terraform -chdir=terraform fmt -recursive"
}

# Every module must be the source of some module block: no orphan.
check_no_orphan_modules() {
	log "every module is wired in"
	local dir name orphans=()
	for dir in "$tf_dir"/modules/*/; do
		name="$(basename "$dir")"
		grep -rqsE --include='*.tf' "source[[:space:]]*=[[:space:]]*\"\.\./(\.\./modules/)?$name\"" "$tf_dir" ||
			orphans+=("$name")
	done
	((${#orphans[@]} == 0)) || die "modules used by nothing: ${orphans[*]}"
}

run_tflint() {
	local tflint plugin plugin_dir
	tflint="$(build_tool tflint github.com/terraform-linters/tflint)"
	plugin="$(build_tool tflint-ruleset-azurerm "$ruleset_module")"
	# tflint loads an installed plugin from $TFLINT_PLUGIN_DIR/<source>/<version>/tflint-ruleset-<name>.
	plugin_dir="$tools_dir/tflint-plugins"
	mkdir -p "$plugin_dir/$ruleset_module/$ruleset_version"
	ln -sf "$plugin" "$plugin_dir/$ruleset_module/$ruleset_version/tflint-ruleset-azurerm"
	grep -q "version = \"$ruleset_version\"" "$tf_dir/.tflint.hcl" ||
		die "terraform/.tflint.hcl must pin the azurerm plugin at $ruleset_version"
	log "tflint $("$tflint" --version | head -1 | awk '{print $3}') + azurerm ruleset $ruleset_version"
	(cd "$tf_dir" && TFLINT_PLUGIN_DIR="$plugin_dir" "$tflint" --config="$tf_dir/.tflint.hcl" \
		--recursive --format=compact --minimum-failure-severity=notice) || die "tflint found issues"
}

run_tfsec() {
	local tfsec bare
	tfsec="$(build_tool tfsec github.com/aquasecurity/tfsec/cmd/tfsec)"
	log "tfsec $(awk '$1 == "github.com/aquasecurity/tfsec" {print $2}' "$repo/tools/tfsec/go.mod")"
	bare="$(grep -rnE --include='*.tf' '#tfsec:ignore:[a-z0-9-]+[[:space:]]*$' "$tf_dir" || true)"
	[[ -z "$bare" ]] || die "tfsec ignores need a reason after the rule id:"$'\n'"$bare"
	"$tfsec" --no-color --no-module-downloads --concise-output --minimum-severity LOW "$tf_dir" ||
		die "tfsec found problems (fix them, or ignore inline with '#tfsec:ignore:<rule> <reason>')"
}

start=$SECONDS
check_fmt
check_no_orphan_modules
run_tflint
run_tfsec
log "terraform checks passed in $((SECONDS - start)) s"
