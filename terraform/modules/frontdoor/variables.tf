variable "profile_name" {
  description = "Name of the Front Door profile."
  type        = string
}

variable "endpoint_name" {
  description = "Name of the Front Door endpoint; its host name is <name>-<hash>.z01.azurefd.net."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,44}[a-zA-Z0-9]$", var.endpoint_name))
    error_message = "endpoint_name must be 2-46 letters, digits or '-', starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  description = "Resource group of the profile (the platform's global resource group)."
  type        = string
}

variable "sku_name" {
  description = "Front Door tier: Standard_AzureFrontDoor or Premium_AzureFrontDoor."
  type        = string
  default     = "Standard_AzureFrontDoor"

  validation {
    condition     = contains(["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"], var.sku_name)
    error_message = "sku_name must be Standard_AzureFrontDoor or Premium_AzureFrontDoor."
  }
}

variable "response_timeout_seconds" {
  description = "How long Front Door waits for an origin's response before failing the request (16-240 s)."
  type        = number
  default     = 30

  validation {
    condition     = var.response_timeout_seconds >= 16 && var.response_timeout_seconds <= 240
    error_message = "response_timeout_seconds must be between 16 and 240."
  }
}

variable "origins" {
  description = "One origin per region, keyed by region: the host name Front Door connects to and its HTTP port."
  type = map(object({
    host_name = string
    http_port = number
  }))

  validation {
    condition     = length(var.origins) >= 2
    error_message = "origins must list at least two regions."
  }
}

variable "rto_target_seconds" {
  description = "Recovery time objective the probe settings must meet (DESIGN: RTO < 10 s)."
  type        = number
  default     = 10

  validation {
    condition     = var.rto_target_seconds > 0
    error_message = "rto_target_seconds must be positive."
  }
}

variable "health_probe" {
  description = <<-EOT
    Origin health probes. interval_in_seconds (1-255) is how often each POP probes each origin;
    sample_size is how many recent probes a POP remembers; successful_samples_required is how many
    of them must have succeeded for the origin to stay in rotation. Worst-case detection is
    (sample_size - successful_samples_required + 1) x interval_in_seconds plus one probe's failure time.
  EOT
  type = object({
    path                        = string
    interval_in_seconds         = number
    sample_size                 = number
    successful_samples_required = number
  })
  # null (what modules/platform passes when an environment sets nothing) means this default.
  nullable = false
  default = {
    path                        = "/health"
    interval_in_seconds         = 2
    sample_size                 = 4
    successful_samples_required = 3
  }

  validation {
    condition     = var.health_probe.interval_in_seconds >= 1 && var.health_probe.interval_in_seconds <= 255
    error_message = "health_probe.interval_in_seconds must be between 1 and 255 (Front Door's range)."
  }

  validation {
    condition     = var.health_probe.successful_samples_required >= 1 && var.health_probe.successful_samples_required <= var.health_probe.sample_size && var.health_probe.sample_size <= 255
    error_message = "health_probe needs 1 <= successful_samples_required <= sample_size <= 255."
  }

  validation {
    condition     = (var.health_probe.sample_size - var.health_probe.successful_samples_required + 1) * var.health_probe.interval_in_seconds < var.rto_target_seconds
    error_message = "Worst-case detection (sample_size - successful_samples_required + 1) x interval_in_seconds must be below rto_target_seconds."
  }

  validation {
    condition     = startswith(var.health_probe.path, "/")
    error_message = "health_probe.path must start with '/'."
  }
}

variable "additional_latency_in_milliseconds" {
  description = "Origins whose probe latency is within this many ms of the fastest share traffic (0-1000)."
  type        = number
  default     = 50

  validation {
    condition     = var.additional_latency_in_milliseconds >= 0 && var.additional_latency_in_milliseconds <= 1000
    error_message = "additional_latency_in_milliseconds must be between 0 and 1000."
  }
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives the access and health-probe logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
