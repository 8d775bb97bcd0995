output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace."
  value       = azurerm_log_analytics_workspace.this.id
}

output "log_analytics_workspace_customer_id" {
  description = "Workspace (customer) ID, for queries."
  value       = azurerm_log_analytics_workspace.this.workspace_id
}

output "application_insights_connection_string" {
  description = "Connection string of Application Insights (for the shop's telemetry)."
  value       = azurerm_application_insights.this.connection_string
  sensitive   = true
}

output "action_group_id" {
  description = "Resource ID of the action group (also used by the budgets)."
  value       = azurerm_monitor_action_group.this.id
}

output "alert_ids" {
  description = "Resource IDs of every metric and log alert, keyed by name."
  value = merge(
    { for k, a in azurerm_monitor_metric_alert.this : k => a.id },
    { for k, a in azurerm_monitor_scheduled_query_rules_alert_v2.this : k => a.id },
  )
}
