variable "name" {
  description = "Name of the budget."
  type        = string
}

variable "resource_group_id" {
  description = "Resource ID of the resource group the budget tracks."
  type        = string
}

variable "amount" {
  description = "Monthly budget in the billing currency."
  type        = number

  validation {
    condition     = var.amount > 0
    error_message = "amount must be positive."
  }
}

variable "start_date" {
  description = "First day of the first budget month, RFC 3339 (for example 2026-12-01T00:00:00Z). It must be the first of a month and cannot be changed later without recreating the budget."
  type        = string

  validation {
    condition     = can(regex("^\\d{4}-\\d{2}-01T00:00:00Z$", var.start_date))
    error_message = "start_date must be the first day of a month at midnight UTC, e.g. 2026-12-01T00:00:00Z."
  }
}

variable "actual_thresholds_percent" {
  description = "Percentages of the budget whose actual spend triggers a notification."
  type        = list(number)
  default     = [50, 80, 100]

  validation {
    condition     = length(var.actual_thresholds_percent) > 0 && alltrue([for t in var.actual_thresholds_percent : t > 0 && t <= 1000])
    error_message = "actual_thresholds_percent must hold percentages in (0, 1000]."
  }
}

variable "forecast_threshold_percent" {
  description = "Percentage of the budget whose forecast spend triggers a notification."
  type        = number
  default     = 100

  validation {
    condition     = var.forecast_threshold_percent > 0 && var.forecast_threshold_percent <= 1000
    error_message = "forecast_threshold_percent must be in (0, 1000]."
  }
}

variable "contact_emails" {
  description = "Email addresses that receive budget notifications."
  type        = list(string)

  validation {
    condition     = length(var.contact_emails) > 0
    error_message = "contact_emails must hold at least one address."
  }
}

variable "action_group_id" {
  description = "Action group that also receives budget notifications."
  type        = string
}
