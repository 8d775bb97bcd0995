#!/usr/bin/env bash
# On-demand offline `terraform validate` of every environment under terraform/environments.
#
# `terraform init` cannot reach the provider registry here, so this script builds the azurerm
# provider from source at the version pinned in tools/terraform-provider-azurerm/go.mod (through
# the Go module proxy), points Terraform at it with a dev_overrides CLI configuration, and runs
# `terraform get` (local modules only) and `terraform validate` in each environment.
#
# Cost: the provider build takes about 26 CPU-minutes and 4.6 GB of memory, once (measured: 58 min
# wall on a 2-core machine shared with other builds); the binary is cached in $SLOCHECK_TOOLS_DIR
# (default ~/.cache/slocheck/tools), after which a run takes about 7 s. Too slow for every commit: scripts/check-terraform.sh is the per-commit check.
# Needs Go >= 1.26.6 (the provider's go.mod).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${SLOCHECK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/slocheck/tools}"
mod_dir="$repo/tools/terraform-provider-azurerm"
provider_pkg="github.com/hashicorp/terraform-provider-azurerm"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'validate-terraform: %s\n' "$*" >&2; exit 1; }

command -v terraform >/dev/null || die "terraform not found on PATH"
command -v go >/dev/null || die "go not found on PATH"
need="$(awk '$1 == "go" {print $2}' "$mod_dir/go.mod")"
have="$(go env GOVERSION | sed 's/^go//')"
[[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" == "$need" ]] ||
	die "the provider needs Go >= $need, found $have"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOWORK=off GOFLAGS=-mod=readonly

key="$(cat "$mod_dir/go.mod" "$mod_dir/go.sum" | sha256sum | cut -c1-16)"
provider_dir="$tools_dir/terraform-provider-azurerm-$key"
if [[ ! -x "$provider_dir/terraform-provider-azurerm" ]]; then
	log "building the azurerm provider from $(grep -m1 "$provider_pkg " "$mod_dir/go.mod" | awk '{print $2}') (slow, once)"
	start=$SECONDS
	mkdir -p "$provider_dir"
	(cd "$mod_dir" && go build -trimpath -o "$provider_dir/terraform-provider-azurerm.tmp" "$provider_pkg") ||
		die "provider build failed"
	mv "$provider_dir/terraform-provider-azurerm.tmp" "$provider_dir/terraform-provider-azurerm"
	log "provider built in $((SECONDS - start)) s"
fi

# dev_overrides: Terraform uses the binary in provider_dir for hashicorp/azurerm and never asks the
# registry for it. Nothing else is installable offline, so nothing else may be needed.
cat >"$work/terraformrc" <<EOT
provider_installation {
  dev_overrides {
    "hashicorp/azurerm" = "$provider_dir"
  }
  direct {}
}
EOT
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1

status=0
for env_dir in "$repo"/terraform/environments/*/; do
	env="$(basename "$env_dir")"
	lock="$env_dir/.terraform.lock.hcl"
	had_lock=false
	[[ -e "$lock" ]] && had_lock=true
	# Working files go to a scratch data dir, not into the repository.
	export TF_DATA_DIR="$work/$env"
	log "terraform validate: environments/$env"
	# `terraform get` installs the local modules only: `init` would still ask the registry for the
	# overridden provider. With dev_overrides, validate needs no init.
	if terraform -chdir="$env_dir" get -no-color >"$work/$env-init.log" 2>&1 &&
		terraform -chdir="$env_dir" validate -no-color; then
		log "environments/$env: valid"
	else
		cat "$work/$env-init.log" >&2
		status=1
		log "environments/$env: INVALID"
	fi
	$had_lock || rm -f "$lock"
done
exit "$status"
