output "id" {
  description = "Resource ID of the budget."
  value       = azurerm_consumption_budget_resource_group.this.id
}
