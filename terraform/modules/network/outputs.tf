output "vnet_id" {
  description = "Resource ID of the VNet."
  value       = azurerm_virtual_network.this.id
}

output "vnet_name" {
  description = "Name of the VNet."
  value       = azurerm_virtual_network.this.name
}

output "aks_subnet_id" {
  description = "Resource ID of the AKS subnet."
  value       = azurerm_subnet.aks.id
}

output "private_endpoint_subnet_id" {
  description = "Resource ID of the private endpoint subnet."
  value       = azurerm_subnet.private_endpoints.id
}

output "firewall_subnet_id" {
  description = "Resource ID of AzureFirewallSubnet."
  value       = azurerm_subnet.firewall.id
}

output "aks_nsg_id" {
  description = "Resource ID of the NSG on the AKS subnet (the Chaos Studio NSG fault's target)."
  value       = azurerm_network_security_group.aks.id
}

output "aks_nsg_name" {
  description = "Name of the NSG on the AKS subnet."
  value       = azurerm_network_security_group.aks.name
}
