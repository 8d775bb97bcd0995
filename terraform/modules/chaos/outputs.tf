output "experiment_id" {
  description = "Resource ID of the regional outage experiment (slocheck's Chaos Studio injector starts and cancels it)."
  value       = azurerm_chaos_studio_experiment.regional_outage.id
}

output "experiment_name" {
  description = "Name of the regional outage experiment."
  value       = azurerm_chaos_studio_experiment.regional_outage.name
}

output "target_ids" {
  description = "Chaos Studio targets of the region."
  value = {
    aks = azurerm_chaos_studio_target.aks.id
    nsg = azurerm_chaos_studio_target.nsg.id
  }
}
