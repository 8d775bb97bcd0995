# tflint configuration for every module and environment under terraform/.
# scripts/check-terraform.sh runs tflint with --config pointing here and --recursive.
#
# The azurerm plugin is NOT downloaded from GitHub (no `tflint --init`): the script builds it from
# the Go module proxy at the version pinned in tools/tflint-ruleset-azurerm/go.mod and installs it
# where tflint looks for an installed plugin, $TFLINT_PLUGIN_DIR/<source>/<version>/tflint-ruleset-azurerm.
# Keep `version` below equal to that pin.

config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

plugin "azurerm" {
  enabled = true
  version = "0.27.0"
  source  = "github.com/terraform-linters/tflint-ruleset-azurerm"
}
