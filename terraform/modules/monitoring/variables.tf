variable "name_prefix" {
  description = "Prefix of every resource name (for example slocheck-prod)."
  type        = string
}

variable "location" {
  description = "Azure region of the workspace, Application Insights and log alerts."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the monitoring resources (the platform's global resource group)."
  type        = string
}

variable "log_retention_days" {
  description = "Days Log Analytics keeps data (30-730)."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "daily_quota_gb" {
  description = "Daily ingestion cap in GB (-1 for none): the cost guard rail of the workspace."
  type        = number
  default     = -1

  validation {
    condition     = var.daily_quota_gb == -1 || var.daily_quota_gb >= 0.023
    error_message = "daily_quota_gb must be -1 (no cap) or at least 0.023."
  }
}

variable "alert_email_addresses" {
  description = "Email addresses the action group notifies."
  type        = list(string)

  validation {
    condition     = length(var.alert_email_addresses) > 0 && alltrue([for e in var.alert_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_email_addresses must hold at least one valid email address."
  }
}

variable "teams_webhook_url" {
  description = "Incoming webhook URL of a Microsoft Teams channel (a Teams Workflows webhook); null for none."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.teams_webhook_url == null || startswith(coalesce(var.teams_webhook_url, "x"), "https://")
    error_message = "teams_webhook_url must be an https:// URL or null."
  }
}

variable "availability_target" {
  description = "Availability objective (DESIGN: 0.9999); sets the error-budget burn alert."
  type        = number
  default     = 0.9999

  validation {
    condition     = var.availability_target > 0.9 && var.availability_target < 1
    error_message = "availability_target must be between 0.9 and 1 (exclusive)."
  }
}

variable "p99_latency_threshold_ms" {
  description = "p99 latency objective at the edge in milliseconds (DESIGN: 150)."
  type        = number
  default     = 150

  validation {
    condition     = var.p99_latency_threshold_ms > 0
    error_message = "p99_latency_threshold_ms must be positive."
  }
}

variable "error_rate_threshold_percent" {
  description = "Share of 5xx responses at the edge, in percent, above which the 5xx alert fires."
  type        = number
  default     = 1

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent <= 100
    error_message = "error_rate_threshold_percent must be in (0, 100]."
  }
}

variable "frontdoor_profile_id" {
  description = "Front Door profile whose metrics are watched."
  type        = string
}

variable "cosmos_account_id" {
  description = "Cosmos DB account whose metrics are watched."
  type        = string
}

variable "aks_cluster_ids" {
  description = "AKS clusters whose node CPU is watched, keyed by region."
  type        = map(string)
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
