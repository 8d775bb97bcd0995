# A monthly cost budget on one resource group, with a notification at each actual-cost threshold
# and one on the forecast, sent to the email contacts and the platform's action group (so a budget
# alert reaches the same Teams channel as an SLO alert).

resource "azurerm_consumption_budget_resource_group" "this" {
  name              = var.name
  resource_group_id = var.resource_group_id
  amount            = var.amount
  time_grain        = "Monthly"

  time_period {
    start_date = var.start_date
  }

  dynamic "notification" {
    for_each = toset(var.actual_thresholds_percent)
    content {
      enabled        = true
      operator       = "GreaterThanOrEqualTo"
      threshold      = notification.value
      threshold_type = "Actual"
      contact_emails = var.contact_emails
      contact_groups = [var.action_group_id]
    }
  }

  notification {
    enabled        = true
    operator       = "GreaterThanOrEqualTo"
    threshold      = var.forecast_threshold_percent
    threshold_type = "Forecasted"
    contact_emails = var.contact_emails
    contact_groups = [var.action_group_id]
  }
}
