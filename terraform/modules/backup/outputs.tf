output "vault_id" {
  description = "Resource ID of the backup vault."
  value       = azurerm_data_protection_backup_vault.this.id
}

output "policy_id" {
  description = "Resource ID of the AKS backup policy."
  value       = azurerm_data_protection_backup_policy_kubernetes_cluster.this.id
}

output "backup_instance_id" {
  description = "Resource ID of the cluster's backup instance."
  value       = azurerm_data_protection_backup_instance_kubernetes_cluster.this.id
}
