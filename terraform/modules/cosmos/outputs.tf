output "account_id" {
  description = "Resource ID of the Cosmos DB account."
  value       = azurerm_cosmosdb_account.this.id
}

output "account_name" {
  description = "Name of the Cosmos DB account."
  value       = azurerm_cosmosdb_account.this.name
}

output "endpoint" {
  description = "Global document endpoint of the account (https://<name>.documents.azure.com:443/)."
  value       = azurerm_cosmosdb_account.this.endpoint
}

output "write_endpoints" {
  description = "Regional write endpoints."
  value       = azurerm_cosmosdb_account.this.write_endpoints
}

output "read_endpoints" {
  description = "Regional read endpoints."
  value       = azurerm_cosmosdb_account.this.read_endpoints
}

output "database_name" {
  description = "Name of the SQL database."
  value       = azurerm_cosmosdb_sql_database.this.name
}

output "container_name" {
  description = "Name of the orders container."
  value       = azurerm_cosmosdb_sql_container.orders.name
}

output "private_endpoint_ids" {
  description = "Private endpoint per region."
  value       = { for k, pe in azurerm_private_endpoint.this : k => pe.id }
}

output "partition_key_path" {
  description = "Partition key path of the orders and lag-probe containers."
  value       = var.partition_key_path
}

output "probe_container_name" {
  description = "Name of the lag probe's container."
  value       = azurerm_cosmosdb_sql_container.lag_probe.name
}
