# Cosmos DB (NoSQL API) written in every region: multi-region writes, so either region accepts an
# order while the other is down, with last-writer-wins conflict resolution. Session consistency is
# the strongest level multi-region writes allow. Replication between regions is asynchronous: an
# outage can lose the writes a region acknowledged but had not yet replicated, which is exactly what
# slocheck's RPO read-back measures.
#
# No public access and no keys: each region reaches the account through its own private endpoint,
# resolved by a per-region privatelink zone linked to that region's VNet (one shared zone would let
# the two endpoints overwrite each other's A records), and workloads authenticate with Entra ID.

locals {
  # Built-in data-plane roles: "Cosmos DB Built-in Data Reader" and "... Data Contributor".
  data_reader_role_id      = "00000000-0000-0000-0000-000000000001"
  data_contributor_role_id = "00000000-0000-0000-0000-000000000002"
}

resource "azurerm_cosmosdb_account" "this" {
  name                               = var.account_name
  location                           = var.primary_location
  resource_group_name                = var.resource_group_name
  offer_type                         = "Standard"
  kind                               = "GlobalDocumentDB"
  multiple_write_locations_enabled   = true
  automatic_failover_enabled         = true
  public_network_access_enabled      = false
  local_authentication_enabled       = false
  access_key_metadata_writes_enabled = false
  minimal_tls_version                = "Tls12"
  tags                               = var.tags

  consistency_policy {
    consistency_level = "Session"
  }

  dynamic "geo_location" {
    for_each = var.regions
    content {
      location          = geo_location.key
      failover_priority = geo_location.value.failover_priority
      zone_redundant    = geo_location.value.zone_redundant
    }
  }

  backup {
    type                = "Periodic"
    interval_in_minutes = var.backup_interval_minutes
    retention_in_hours  = var.backup_retention_hours
    storage_redundancy  = "Geo"
  }
}

resource "azurerm_cosmosdb_sql_database" "this" {
  name                = var.database_name
  resource_group_name = var.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
}

resource "azurerm_cosmosdb_sql_container" "orders" {
  name                  = var.container_name
  resource_group_name   = var.resource_group_name
  account_name          = azurerm_cosmosdb_account.this.name
  database_name         = azurerm_cosmosdb_sql_database.this.name
  partition_key_paths   = [var.partition_key_path]
  partition_key_version = 2
  # TTL on, per document: orders (no ttl field) never expire; a document that carries ttl does.
  default_ttl = -1

  autoscale_settings {
    max_throughput = var.autoscale_max_throughput
  }

  conflict_resolution_policy {
    mode                     = "LastWriterWins"
    conflict_resolution_path = "/_ts"
  }
}

# slocheck's replication-lag probe writes small marker documents here, in each region, and polls
# the other regions until they appear; they expire after probe_ttl_seconds. A container of their
# own keeps the orders container read-only for slocheck.
resource "azurerm_cosmosdb_sql_container" "lag_probe" {
  name                  = var.probe_container_name
  resource_group_name   = var.resource_group_name
  account_name          = azurerm_cosmosdb_account.this.name
  database_name         = azurerm_cosmosdb_sql_database.this.name
  partition_key_paths   = [var.partition_key_path]
  partition_key_version = 2
  default_ttl           = var.probe_ttl_seconds

  autoscale_settings {
    max_throughput = 1000
  }

  conflict_resolution_policy {
    mode                     = "LastWriterWins"
    conflict_resolution_path = "/_ts"
  }
}

resource "azurerm_private_dns_zone" "this" {
  for_each = var.regions

  name                = "privatelink.documents.azure.com"
  resource_group_name = each.value.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each = var.regions

  name                = "cosmos-${each.key}"
  private_dns_zone_id = azurerm_private_dns_zone.this[each.key].id
  virtual_network_id  = each.value.vnet_id
  tags                = var.tags
}

resource "azurerm_private_endpoint" "this" {
  for_each = var.regions

  name                = "${var.account_name}-pe-${each.key}"
  location            = each.key
  resource_group_name = each.value.resource_group_name
  subnet_id           = each.value.subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "cosmos-sql"
    private_connection_resource_id = azurerm_cosmosdb_account.this.id
    subresource_names              = ["Sql"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "cosmos"
    private_dns_zone_ids = [azurerm_private_dns_zone.this[each.key].id]
  }
}

resource "azurerm_cosmosdb_sql_role_assignment" "data_contributor" {
  for_each = var.data_contributor_principal_ids

  resource_group_name = var.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  role_definition_id  = "${azurerm_cosmosdb_account.this.id}/sqlRoleDefinitions/${local.data_contributor_role_id}"
  principal_id        = each.value
  scope               = azurerm_cosmosdb_account.this.id
}

resource "azurerm_cosmosdb_sql_role_assignment" "data_reader" {
  for_each = var.data_reader_principal_ids

  resource_group_name = var.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  role_definition_id  = "${azurerm_cosmosdb_account.this.id}/sqlRoleDefinitions/${local.data_reader_role_id}"
  principal_id        = each.value
  scope               = azurerm_cosmosdb_account.this.id
}

# The probe writers (slocheck) may write only to the lag-probe container.
resource "azurerm_cosmosdb_sql_role_assignment" "probe_writer" {
  for_each = var.probe_writer_principal_ids

  resource_group_name = var.resource_group_name
  account_name        = azurerm_cosmosdb_account.this.name
  role_definition_id  = "${azurerm_cosmosdb_account.this.id}/sqlRoleDefinitions/${local.data_contributor_role_id}"
  principal_id        = each.value
  scope               = "${azurerm_cosmosdb_account.this.id}/dbs/${azurerm_cosmosdb_sql_database.this.name}/colls/${azurerm_cosmosdb_sql_container.lag_probe.name}"
}

resource "azurerm_monitor_diagnostic_setting" "cosmos" {
  name                           = "to-log-analytics"
  target_resource_id             = azurerm_cosmosdb_account.this.id
  log_analytics_workspace_id     = var.log_analytics_workspace_id
  log_analytics_destination_type = "Dedicated"

  enabled_log {
    category_group = "allLogs"
  }

  enabled_metric {
    category = "Requests"
  }
}
