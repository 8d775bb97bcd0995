# AKS backup for one region, with Azure Backup (a Data Protection backup vault):
#   - the vault (soft delete always on, geo-redundant, cross-region restore) and a policy that
#     snapshots the cluster every var.backup_interval_hours and keeps snapshots var.retention_days;
#   - the backup extension in the cluster, writing Kubernetes objects to a private blob container
#     (reached from the VNet through a blob private endpoint);
#   - trusted access from the vault to the cluster and the role assignments Azure Backup requires;
#   - the backup instance that binds cluster, policy and vault.
# Cosmos DB backs itself up (periodic, geo-redundant; see modules/cosmos), so this covers the rest
# of the state a region holds: its Kubernetes objects and persistent volumes.

data "azurerm_client_config" "current" {}

resource "azurerm_data_protection_backup_vault" "this" {
  name                         = "${var.name_prefix}-bvault"
  location                     = var.location
  resource_group_name          = var.resource_group_name
  datastore_type               = "VaultStore"
  redundancy                   = "GeoRedundant"
  cross_region_restore_enabled = true
  soft_delete                  = "On"
  retention_duration_in_days   = 14
  tags                         = var.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_data_protection_backup_policy_kubernetes_cluster" "this" {
  name                            = "${var.name_prefix}-aks-policy"
  resource_group_name             = var.resource_group_name
  vault_name                      = azurerm_data_protection_backup_vault.this.name
  backup_repeating_time_intervals = ["R/2026-01-01T00:00:00+00:00/PT${var.backup_interval_hours}H"]
  time_zone                       = "UTC"

  default_retention_rule {
    life_cycle {
      data_store_type = "OperationalStore"
      duration        = "P${var.retention_days}D"
    }
  }
}

# The account holds only the backup container: no queue exists, so queue logging has nothing to log.
#tfsec:ignore:azure-storage-queue-services-logging-enabled no queues: the account holds only blobs
resource "azurerm_storage_account" "this" {
  name                            = var.storage_account_name
  location                        = var.location
  resource_group_name             = var.resource_group_name
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = true
  tags                            = var.tags

  # Only the VNet (through the private endpoint) and trusted Azure services (Azure Backup) get in.
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }

  blob_properties {
    delete_retention_policy {
      days = 7
    }
  }
}

resource "azurerm_storage_container" "this" {
  name                  = "aks-backup"
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_private_dns_zone" "blob" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "blob" {
  name                = "blob"
  private_dns_zone_id = azurerm_private_dns_zone.blob.id
  virtual_network_id  = var.vnet_id
  tags                = var.tags
}

resource "azurerm_private_endpoint" "blob" {
  name                = "${var.storage_account_name}-pe"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.this.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "blob"
    private_dns_zone_ids = [azurerm_private_dns_zone.blob.id]
  }
}

resource "azurerm_kubernetes_cluster_extension" "backup" {
  name              = "azure-aks-backup"
  cluster_id        = var.cluster_id
  extension_type    = "Microsoft.DataProtection.Kubernetes"
  release_train     = "stable"
  release_namespace = "dataprotection-microsoft"

  configuration_settings = {
    "configuration.backupStorageLocation.bucket"                = azurerm_storage_container.this.name
    "configuration.backupStorageLocation.config.resourceGroup"  = var.resource_group_name
    "configuration.backupStorageLocation.config.storageAccount" = azurerm_storage_account.this.name
    "configuration.backupStorageLocation.config.subscriptionId" = data.azurerm_client_config.current.subscription_id
    "credentials.tenantId"                                      = data.azurerm_client_config.current.tenant_id
  }

  depends_on = [azurerm_private_endpoint.blob]
}

resource "azurerm_kubernetes_cluster_trusted_access_role_binding" "backup" {
  name                  = "backup"
  kubernetes_cluster_id = var.cluster_id
  roles                 = ["Microsoft.DataProtection/backupVaults/backup-operator"]
  source_resource_id    = azurerm_data_protection_backup_vault.this.id
}

locals {
  vault_principal_id = azurerm_data_protection_backup_vault.this.identity[0].principal_id

  # The role assignments Azure Backup for AKS requires. Snapshots land in the region's own
  # resource group (var.resource_group_id).
  role_assignments = {
    extension-storage        = { scope = azurerm_storage_account.this.id, role = "Storage Blob Data Contributor", principal = azurerm_kubernetes_cluster_extension.backup.aks_assigned_identity[0].principal_id }
    vault-cluster-reader     = { scope = var.cluster_id, role = "Reader", principal = local.vault_principal_id }
    vault-snapshot-rg-reader = { scope = var.resource_group_id, role = "Reader", principal = local.vault_principal_id }
    vault-snapshots          = { scope = var.resource_group_id, role = "Disk Snapshot Contributor", principal = local.vault_principal_id }
    vault-disk-data          = { scope = var.resource_group_id, role = "Data Operator for Managed Disks", principal = local.vault_principal_id }
    vault-storage            = { scope = azurerm_storage_account.this.id, role = "Storage Blob Data Contributor", principal = local.vault_principal_id }
    cluster-snapshot-rg      = { scope = var.resource_group_id, role = "Contributor", principal = var.cluster_principal_id }
  }
}

resource "azurerm_role_assignment" "backup" {
  for_each = local.role_assignments

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = each.value.principal
}

resource "azurerm_data_protection_backup_instance_kubernetes_cluster" "this" {
  name                         = "${var.name_prefix}-aks"
  location                     = var.location
  vault_id                     = azurerm_data_protection_backup_vault.this.id
  kubernetes_cluster_id        = var.cluster_id
  snapshot_resource_group_name = var.resource_group_name
  backup_policy_id             = azurerm_data_protection_backup_policy_kubernetes_cluster.this.id

  backup_datasource_parameters {
    included_namespaces              = var.included_namespaces
    cluster_scoped_resources_enabled = true
    volume_snapshot_enabled          = true
  }

  depends_on = [
    azurerm_role_assignment.backup,
    azurerm_kubernetes_cluster_trusted_access_role_binding.backup,
  ]
}
