# The root module of every environment: the whole platform (modules/platform).
# dev, staging and prod link these files and differ only in their terraform.tfvars
# (environment name, sizes, budgets) and their backend state (backend.hcl).
module "platform" {
  source = "../../modules/platform"

  environment           = var.environment
  name_suffix           = var.name_suffix
  primary_region        = "eastus"
  regions               = var.regions
  aks                   = var.aks
  cosmos                = var.cosmos
  alert_email_addresses = var.alert_email_addresses
  teams_webhook_url     = var.teams_webhook_url
  log_retention_days    = var.log_retention_days
  budget                = var.budget
}
