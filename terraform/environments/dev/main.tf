# The dev environment: the whole platform (modules/platform) with this environment's sizes.
module "platform" {
  source = "../../modules/platform"

  environment           = "dev"
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
