output "frontdoor_url" {
  description = "HTTPS URL of the Front Door endpoint: slocheck run --target."
  value       = module.platform.frontdoor_url
}

output "frontdoor_endpoint_hostname" {
  description = "Host name of the Front Door endpoint."
  value       = module.platform.frontdoor_endpoint_hostname
}

output "frontdoor_profile_id" {
  description = "Resource ID of the Front Door profile."
  value       = module.platform.frontdoor_profile_id
}

output "frontdoor_profile_resource_guid" {
  description = "Front Door ID (X-Azure-FDID header) the shop may require."
  value       = module.platform.frontdoor_profile_resource_guid
}

output "frontdoor_origin_group_id" {
  description = "Resource ID of the origin group over both regions."
  value       = module.platform.frontdoor_origin_group_id
}

output "frontdoor_origin_ids" {
  description = "Resource ID of each region's Front Door origin, keyed by region (slocheck's Front Door origin-disable injector)."
  value       = module.platform.frontdoor_origin_ids
}

output "frontdoor_health_probe" {
  description = "Probe settings in force and their worst-case detection time; the embedded platform's probe flags take the same values."
  value       = module.platform.frontdoor_health_probe
}

output "chaos_experiment_ids" {
  description = "Resource ID of each region's regional-outage Chaos Studio experiment, keyed by region."
  value       = module.platform.chaos_experiment_ids
}

output "chaos_experiment_names" {
  description = "Name of each region's regional-outage experiment, keyed by region."
  value       = module.platform.chaos_experiment_names
}

output "aks_cluster_names" {
  description = "AKS cluster name per region."
  value       = module.platform.aks_cluster_names
}

output "aks_cluster_ids" {
  description = "AKS cluster resource ID per region."
  value       = module.platform.aks_cluster_ids
}

output "resource_group_names" {
  description = "Resource group per region, plus the global one under the key global."
  value       = module.platform.resource_group_names
}

output "workload_identity_client_ids" {
  description = "Per region, the client ID of each workload identity (the azure.workload.identity/client-id service account annotation)."
  value       = module.platform.workload_identity_client_ids
}

output "cosmos_endpoint" {
  description = "Global endpoint of the Cosmos DB account."
  value       = module.platform.cosmos_endpoint
}

output "cosmos_account_name" {
  description = "Name of the Cosmos DB account."
  value       = module.platform.cosmos_account_name
}

output "cosmos_account_id" {
  description = "Resource ID of the Cosmos DB account (slocheck's Cosmos failover-priority injector)."
  value       = module.platform.cosmos_account_id
}

output "cosmos_database" {
  description = "Database and container the shop writes orders to."
  value       = module.platform.cosmos_database
}

output "key_vault_uris" {
  description = "Key Vault URI per region."
  value       = module.platform.key_vault_uris
}

output "container_registry_login_server" {
  description = "Login server of the container registry the pipelines push to."
  value       = module.platform.container_registry_login_server
}

output "origin_hostnames" {
  description = "Public DNS name of each region's firewall (the Front Door origin), keyed by region."
  value       = module.platform.origin_hostnames
}

output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace."
  value       = module.platform.log_analytics_workspace_id
}

output "application_insights_connection_string" {
  description = "Application Insights connection string for the shop."
  value       = module.platform.application_insights_connection_string
  sensitive   = true
}

output "action_group_id" {
  description = "Resource ID of the alert action group."
  value       = module.platform.action_group_id
}

output "alert_ids" {
  description = "Resource IDs of the metric and log alerts."
  value       = module.platform.alert_ids
}

output "backup_vault_ids" {
  description = "Backup vault per region."
  value       = module.platform.backup_vault_ids
}

output "budget_ids" {
  description = "Budget per resource group."
  value       = module.platform.budget_ids
}

output "aks_nsg_names" {
  description = "Name of the NSG on each region's AKS subnet, keyed by region (for a hand-driven NSG outage with az network nsg rule)."
  value       = module.platform.aks_nsg_names
}

output "shop_ingress_ips" {
  description = "Static private IP of each region's shop internal load balancer, keyed by region."
  value       = module.platform.shop_ingress_ips
}

output "cosmos_scenario" {
  description = "What scenarios/azure-cosmos-failover.yaml needs: target.cosmos (endpoint, database, container, partition key path, probe container, locations) and the failover injector's account."
  value       = module.platform.cosmos_scenario
}
