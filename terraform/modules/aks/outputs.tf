output "cluster_id" {
  description = "Resource ID of the cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_name" {
  description = "Name of the cluster (az aks get-credentials --name)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster (workload identity federation)."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "node_resource_group" {
  description = "Resource group AKS manages for the nodes."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

output "user_node_pool_id" {
  description = "Resource ID of the user node pool."
  value       = azurerm_kubernetes_cluster_node_pool.user.id
}

output "workload_identities" {
  description = "Per workload: the identity's client ID (the azure.workload.identity/client-id annotation) and principal ID (for role assignments)."
  value = {
    for k, id in azurerm_user_assigned_identity.workload : k => {
      client_id    = id.client_id
      principal_id = id.principal_id
      id           = id.id
    }
  }
}

output "control_plane_principal_id" {
  description = "Principal ID of the cluster's control-plane identity."
  value       = azurerm_user_assigned_identity.control_plane.principal_id
}
