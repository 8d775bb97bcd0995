output "firewall_id" {
  description = "Resource ID of the firewall."
  value       = azurerm_firewall.this.id
}

output "private_ip_address" {
  description = "Private IP of the firewall (next hop of the AKS default route)."
  value       = azurerm_firewall.this.ip_configuration[0].private_ip_address
}

output "public_ip_address" {
  description = "Public IP of the firewall (the shop's ingress)."
  value       = azurerm_public_ip.this.ip_address
}

output "public_fqdn" {
  description = "DNS name of the firewall's public IP: the Front Door origin host name."
  value       = azurerm_public_ip.this.fqdn
}

output "route_table_association_id" {
  description = "ID of the AKS subnet's route table association (AKS with userDefinedRouting needs it before creation)."
  value       = azurerm_subnet_route_table_association.aks.id
}

output "route_table_id" {
  description = "Resource ID of the AKS subnet's route table."
  value       = azurerm_route_table.aks.id
}
