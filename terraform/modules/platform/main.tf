# The whole platform for one environment: every module wired together.
#
#   global resource group (primary region): Front Door, Cosmos DB account, Log Analytics,
#     Application Insights, action group and alerts, the container registry (geo-replicated)
#   one resource group per region: VNet + NSGs, Azure Firewall, AKS (system + user pools),
#     workload identities, Key Vault, Cosmos DB private endpoint, AKS backup, Chaos Studio
#     regional-outage experiment
#   a monthly budget on every resource group
#
# Request path: client -> Front Door (nearest healthy region) -> regional firewall public IP
#   -> DNAT -> shop internal load balancer in AKS -> Cosmos DB through its private endpoint.

locals {
  base_name = "${var.name_prefix}-${var.environment}"

  tags = merge(var.tags, {
    environment = var.environment
    application = "slocheck-shop"
    managed-by  = "terraform"
  })

  shop_port = 80

  # Workload identities per region: the shop writes orders; slocheck (the Job in each cluster)
  # reads them back for the RPO check.
  workloads = {
    shop     = { namespace = var.shop_namespace, service_account = "shop" }
    slocheck = { namespace = "slocheck", service_account = "slocheck" }
  }

  region_prefix = { for r, cfg in var.regions : r => "${local.base_name}-${cfg.short_name}" }

  # Globally unique names: letters and digits only where Azure demands it.
  compact_base = replace(local.base_name, "-", "")
}

module "global_rg" {
  source = "../resource-group"

  name     = "${local.base_name}-global-rg"
  location = var.primary_region
  tags     = local.tags
}

module "region_rg" {
  source   = "../resource-group"
  for_each = var.regions

  name     = "${local.region_prefix[each.key]}-rg"
  location = each.key
  tags     = local.tags
}

module "monitoring" {
  source = "../monitoring"

  name_prefix                  = local.base_name
  location                     = var.primary_region
  resource_group_name          = module.global_rg.name
  log_retention_days           = var.log_retention_days
  alert_email_addresses        = var.alert_email_addresses
  teams_webhook_url            = var.teams_webhook_url
  availability_target          = var.slo.availability_target
  p99_latency_threshold_ms     = var.slo.p99_latency_ms
  error_rate_threshold_percent = var.slo.error_rate_alert_percent
  frontdoor_profile_id         = module.frontdoor.profile_id
  cosmos_account_id            = module.cosmos.account_id
  aks_cluster_ids              = { for r, m in module.aks : r => m.cluster_id }
  tags                         = local.tags
}

resource "azurerm_container_registry" "this" {
  name                          = "${local.compact_base}${var.name_suffix}acr"
  location                      = var.primary_region
  resource_group_name           = module.global_rg.name
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = true
  zone_redundancy_enabled       = true
  tags                          = local.tags

  # A replica in every other region, so a regional outage does not stop image pulls there.
  dynamic "georeplications" {
    for_each = { for r, cfg in var.regions : r => cfg if r != var.primary_region }
    content {
      location = georeplications.key
      # The global login server routes each pull to the nearest healthy replica.
      global_endpoint_routing_enabled = true
      zone_redundancy_enabled         = true
      tags                            = local.tags
    }
  }
}

module "network" {
  source   = "../network"
  for_each = var.regions

  name_prefix                  = local.region_prefix[each.key]
  location                     = each.key
  resource_group_name          = module.region_rg[each.key].name
  address_space                = each.value.address_space
  aks_subnet_cidr              = each.value.aks_subnet_cidr
  private_endpoint_subnet_cidr = each.value.private_endpoint_subnet_cidr
  firewall_subnet_cidr         = each.value.firewall_subnet_cidr
  shop_ingress_ip              = each.value.shop_ingress_ip
  shop_port                    = local.shop_port
  log_analytics_workspace_id   = module.monitoring.log_analytics_workspace_id
  tags                         = local.tags
}

module "firewall" {
  source   = "../firewall"
  for_each = var.regions

  name_prefix                = local.region_prefix[each.key]
  location                   = each.key
  resource_group_name        = module.region_rg[each.key].name
  firewall_subnet_id         = module.network[each.key].firewall_subnet_id
  aks_subnet_id              = module.network[each.key].aks_subnet_id
  aks_subnet_cidr            = each.value.aks_subnet_cidr
  shop_ingress_ip            = each.value.shop_ingress_ip
  shop_port                  = local.shop_port
  domain_name_label          = "${local.region_prefix[each.key]}-${var.name_suffix}"
  zones                      = each.value.zones
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}

module "aks" {
  source   = "../aks"
  for_each = var.regions

  name_prefix                     = local.region_prefix[each.key]
  location                        = each.key
  resource_group_name             = module.region_rg[each.key].name
  kubernetes_version              = var.aks.kubernetes_version
  sku_tier                        = var.aks.sku_tier
  system_pool                     = var.aks.system_pool
  user_pool                       = var.aks.user_pool
  zones                           = each.value.zones
  subnet_id                       = module.network[each.key].aks_subnet_id
  route_table_id                  = module.firewall[each.key].route_table_id
  api_server_authorized_ip_ranges = var.aks.api_server_authorized_ip_ranges
  admin_group_object_ids          = var.aks.admin_group_object_ids
  workloads                       = local.workloads
  container_registry_id           = azurerm_container_registry.this.id
  log_analytics_workspace_id      = module.monitoring.log_analytics_workspace_id
  tags                            = local.tags

  # AKS with outbound type userDefinedRouting needs the subnet's default route (through the
  # firewall, whose rules must already allow the cluster's egress) before it is created.
  depends_on = [module.firewall]
}

module "keyvault" {
  source   = "../keyvault"
  for_each = var.regions

  name                       = "kv-${var.environment}-${each.value.short_name}-${var.name_suffix}"
  location                   = each.key
  resource_group_name        = module.region_rg[each.key].name
  vnet_id                    = module.network[each.key].vnet_id
  private_endpoint_subnet_id = module.network[each.key].private_endpoint_subnet_id
  secrets_user_principal_ids = { for w, id in module.aks[each.key].workload_identities : w => id.principal_id }
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}

module "cosmos" {
  source = "../cosmos"

  account_name        = "${local.base_name}-${var.name_suffix}"
  resource_group_name = module.global_rg.name
  primary_location    = var.primary_region
  regions = {
    for r, cfg in var.regions : r => {
      failover_priority   = cfg.cosmos_failover_priority
      zone_redundant      = var.cosmos.zone_redundant
      resource_group_name = module.region_rg[r].name
      subnet_id           = module.network[r].private_endpoint_subnet_id
      vnet_id             = module.network[r].vnet_id
    }
  }
  autoscale_max_throughput       = var.cosmos.autoscale_max_throughput
  backup_interval_minutes        = var.cosmos.backup_interval_minutes
  backup_retention_hours         = var.cosmos.backup_retention_hours
  data_contributor_principal_ids = { for r, m in module.aks : "shop-${r}" => m.workload_identities["shop"].principal_id }
  data_reader_principal_ids      = { for r, m in module.aks : "slocheck-${r}" => m.workload_identities["slocheck"].principal_id }
  probe_writer_principal_ids     = { for r, m in module.aks : "slocheck-${r}" => m.workload_identities["slocheck"].principal_id }
  log_analytics_workspace_id     = module.monitoring.log_analytics_workspace_id
  tags                           = local.tags
}

module "frontdoor" {
  source = "../frontdoor"

  profile_name        = "${local.base_name}-afd"
  endpoint_name       = "${local.base_name}-${var.name_suffix}"
  resource_group_name = module.global_rg.name
  sku_name            = var.frontdoor.sku_name
  origins = {
    for r, cfg in var.regions : r => {
      host_name = module.firewall[r].public_fqdn
      http_port = local.shop_port
    }
  }
  rto_target_seconds         = var.slo.rto_seconds
  health_probe               = var.frontdoor.health_probe
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}

module "backup" {
  source   = "../backup"
  for_each = var.regions

  name_prefix                = local.region_prefix[each.key]
  location                   = each.key
  resource_group_name        = module.region_rg[each.key].name
  resource_group_id          = module.region_rg[each.key].id
  cluster_id                 = module.aks[each.key].cluster_id
  cluster_principal_id       = module.aks[each.key].control_plane_principal_id
  storage_account_name       = substr("${local.compact_base}${each.value.short_name}${var.name_suffix}bk", 0, 24)
  vnet_id                    = module.network[each.key].vnet_id
  private_endpoint_subnet_id = module.network[each.key].private_endpoint_subnet_id
  backup_interval_hours      = var.backup.interval_hours
  retention_days             = var.backup.retention_days
  included_namespaces        = [var.shop_namespace]
  tags                       = local.tags
}

module "chaos" {
  source   = "../chaos"
  for_each = var.regions

  name_prefix         = local.region_prefix[each.key]
  location            = each.key
  resource_group_name = module.region_rg[each.key].name
  aks_cluster_id      = module.aks[each.key].cluster_id
  nsg_id              = module.network[each.key].aks_nsg_id
  shop_namespace      = var.shop_namespace
  shop_ingress_ip     = each.value.shop_ingress_ip
  fault_duration      = var.chaos_fault_duration
}

module "budget" {
  source = "../budget"
  for_each = merge(
    { global = { id = module.global_rg.id, amount = var.budget.global_amount } },
    { for r, m in module.region_rg : r => { id = m.id, amount = var.budget.region_amount } },
  )

  name                       = "${local.base_name}-${each.key}-monthly"
  resource_group_id          = each.value.id
  amount                     = each.value.amount
  start_date                 = var.budget.start_date
  actual_thresholds_percent  = var.budget.actual_thresholds_percent
  forecast_threshold_percent = var.budget.forecast_threshold_percent
  contact_emails             = var.alert_email_addresses
  action_group_id            = module.monitoring.action_group_id
}
