output "frontdoor_url" {
  description = "HTTPS URL of the Front Door endpoint: slocheck run --target."
  value       = module.frontdoor.url
}

output "frontdoor_endpoint_hostname" {
  description = "Host name of the Front Door endpoint."
  value       = module.frontdoor.endpoint_host_name
}

output "frontdoor_profile_id" {
  description = "Resource ID of the Front Door profile."
  value       = module.frontdoor.profile_id
}

output "frontdoor_profile_resource_guid" {
  description = "Front Door ID (X-Azure-FDID header) the shop may require."
  value       = module.frontdoor.profile_resource_guid
}

output "frontdoor_origin_group_id" {
  description = "Resource ID of the origin group over both regions."
  value       = module.frontdoor.origin_group_id
}

output "frontdoor_origin_ids" {
  description = "Resource ID of each region's Front Door origin, keyed by region (slocheck's Front Door origin-disable injector)."
  value       = module.frontdoor.origin_ids
}

output "frontdoor_health_probe" {
  description = "Probe settings in force and their worst-case detection time; the embedded platform's probe flags take the same values."
  value       = module.frontdoor.health_probe
}

output "chaos_experiment_ids" {
  description = "Resource ID of each region's regional-outage Chaos Studio experiment, keyed by region."
  value       = { for r, m in module.chaos : r => m.experiment_id }
}

output "chaos_experiment_names" {
  description = "Name of each region's regional-outage experiment, keyed by region."
  value       = { for r, m in module.chaos : r => m.experiment_name }
}

output "aks_cluster_names" {
  description = "AKS cluster name per region."
  value       = { for r, m in module.aks : r => m.cluster_name }
}

output "aks_cluster_ids" {
  description = "AKS cluster resource ID per region."
  value       = { for r, m in module.aks : r => m.cluster_id }
}

output "resource_group_names" {
  description = "Resource group per region, plus the global one under the key global."
  value       = merge({ global = module.global_rg.name }, { for r, m in module.region_rg : r => m.name })
}

output "workload_identity_client_ids" {
  description = "Per region, the client ID of each workload identity (the azure.workload.identity/client-id service account annotation)."
  value       = { for r, m in module.aks : r => { for w, id in m.workload_identities : w => id.client_id } }
}

output "cosmos_endpoint" {
  description = "Global endpoint of the Cosmos DB account."
  value       = module.cosmos.endpoint
}

output "cosmos_account_name" {
  description = "Name of the Cosmos DB account."
  value       = module.cosmos.account_name
}

output "cosmos_account_id" {
  description = "Resource ID of the Cosmos DB account (slocheck's Cosmos failover-priority injector)."
  value       = module.cosmos.account_id
}

output "cosmos_database" {
  description = "Database and container the shop writes orders to."
  value       = { database = module.cosmos.database_name, container = module.cosmos.container_name }
}

output "key_vault_uris" {
  description = "Key Vault URI per region."
  value       = { for r, m in module.keyvault : r => m.uri }
}

output "container_registry_login_server" {
  description = "Login server of the container registry the pipelines push to."
  value       = azurerm_container_registry.this.login_server
}

output "origin_hostnames" {
  description = "Public DNS name of each region's firewall (the Front Door origin), keyed by region."
  value       = { for r, m in module.firewall : r => m.public_fqdn }
}

output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace."
  value       = module.monitoring.log_analytics_workspace_id
}

output "application_insights_connection_string" {
  description = "Application Insights connection string for the shop."
  value       = module.monitoring.application_insights_connection_string
  sensitive   = true
}

output "action_group_id" {
  description = "Resource ID of the alert action group."
  value       = module.monitoring.action_group_id
}

output "alert_ids" {
  description = "Resource IDs of the metric and log alerts."
  value       = module.monitoring.alert_ids
}

output "backup_vault_ids" {
  description = "Backup vault per region."
  value       = { for r, m in module.backup : r => m.vault_id }
}

output "budget_ids" {
  description = "Budget per resource group."
  value       = { for k, m in module.budget : k => m.id }
}

output "aks_nsg_names" {
  description = "Name of the NSG on each region's AKS subnet, keyed by region (for a hand-driven NSG outage with az network nsg rule)."
  value       = { for r, m in module.network : r => m.aks_nsg_name }
}

output "shop_ingress_ips" {
  description = "Static private IP of each region's shop internal load balancer, keyed by region."
  value       = { for r, cfg in var.regions : r => cfg.shop_ingress_ip }
}

output "cosmos_scenario" {
  description = "What scenarios/azure-cosmos-failover.yaml needs: target.cosmos (endpoint, database, container, partition key path, probe container, locations) and the failover injector's account."
  value = {
    endpoint           = module.cosmos.endpoint
    database           = module.cosmos.database_name
    container          = module.cosmos.container_name
    partition_key_path = module.cosmos.partition_key_path
    probe_container    = module.cosmos.probe_container_name
    locations          = { for r, _ in var.regions : r => r }
    account_id         = module.cosmos.account_id
    account_name       = module.cosmos.account_name
  }
}
