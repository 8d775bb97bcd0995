variable "environment" {
  description = "Environment name: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "name_prefix" {
  description = "First part of every resource name."
  type        = string
  default     = "slocheck"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "name_prefix must be 2-10 lowercase letters and digits, starting with a letter."
  }
}

variable "name_suffix" {
  description = "Short random-looking suffix that makes the globally unique names (Cosmos DB, Key Vault, registry, storage, DNS labels) unique to your subscription."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,6}$", var.name_suffix))
    error_message = "name_suffix must be 3-6 lowercase letters and digits."
  }
}

variable "primary_region" {
  description = "Region of the global resources (Front Door profile, Cosmos DB account resource, monitoring, registry); one of the keys of regions."
  type        = string
  default     = "eastus"
}

variable "regions" {
  description = <<-EOT
    The regions the shop runs in, keyed by Azure region name. short_name goes into resource
    names; the CIDRs must not overlap between regions (the VNets may be peered later); shop_ingress_ip
    is the static address of the shop's internal load balancer inside aks_subnet_cidr, which the
    Helm chart's Service must request; cosmos_failover_priority orders Cosmos DB's regions (0 first).
  EOT
  type = map(object({
    short_name                   = string
    address_space                = list(string)
    aks_subnet_cidr              = string
    private_endpoint_subnet_cidr = string
    firewall_subnet_cidr         = string
    shop_ingress_ip              = string
    cosmos_failover_priority     = number
    zones                        = optional(list(string), ["1", "2", "3"])
  }))

  validation {
    condition     = length(var.regions) >= 2
    error_message = "regions must list at least two regions."
  }

  validation {
    condition     = contains(keys(var.regions), var.primary_region)
    error_message = "primary_region must be one of the keys of regions."
  }

  validation {
    condition     = alltrue([for r in var.regions : can(regex("^[a-z]{2,4}$", r.short_name))])
    error_message = "Each region's short_name must be 2-4 lowercase letters."
  }

  validation {
    condition = alltrue([
      for r in var.regions : can(cidrhost(r.aks_subnet_cidr, 0)) && can(regex("^(\\d{1,3}\\.){3}\\d{1,3}$", r.shop_ingress_ip))
    ])
    error_message = "Each region's aks_subnet_cidr must be a valid CIDR and shop_ingress_ip an IPv4 address."
  }
}

variable "aks" {
  description = "AKS settings shared by both regions' clusters."
  type = object({
    kubernetes_version = optional(string)
    sku_tier           = optional(string, "Standard")
    system_pool = object({
      vm_size   = string
      min_count = number
      max_count = number
    })
    user_pool = object({
      vm_size   = string
      min_count = number
      max_count = number
    })
    api_server_authorized_ip_ranges = list(string)
    admin_group_object_ids          = optional(list(string), [])
  })
}

variable "cosmos" {
  description = "Cosmos DB settings: autoscale ceiling of the orders container, zone redundancy, periodic backup."
  type = object({
    autoscale_max_throughput = optional(number, 1000)
    zone_redundant           = optional(bool, false)
    backup_interval_minutes  = optional(number, 240)
    backup_retention_hours   = optional(number, 48)
  })
  default = {}
}

variable "frontdoor" {
  description = "Front Door tier and origin health probes (see modules/frontdoor for the RTO arithmetic)."
  type = object({
    sku_name = optional(string, "Standard_AzureFrontDoor")
    # null keeps modules/frontdoor's default, the one place the probe settings are written.
    health_probe = optional(object({
      path                        = string
      interval_in_seconds         = number
      sample_size                 = number
      successful_samples_required = number
    }))
  })
  default = {}
}

variable "slo" {
  description = "The platform's objectives (DESIGN.md): they size the probe check and the alerts."
  type = object({
    p99_latency_ms           = optional(number, 150)
    availability_target      = optional(number, 0.9999)
    rto_seconds              = optional(number, 10)
    error_rate_alert_percent = optional(number, 1)
  })
  default = {}
}

variable "alert_email_addresses" {
  description = "Who receives alerts and budget notifications."
  type        = list(string)

  validation {
    condition     = length(var.alert_email_addresses) > 0
    error_message = "alert_email_addresses must hold at least one address."
  }
}

variable "teams_webhook_url" {
  description = "Microsoft Teams incoming webhook for alerts; null for none."
  type        = string
  default     = null
  sensitive   = true
}

variable "log_retention_days" {
  description = "Days Log Analytics keeps data."
  type        = number
  default     = 30
}

variable "backup" {
  description = "AKS backup schedule: hours between backups (4, 6, 8, 12, 24) and days kept."
  type = object({
    interval_hours = optional(number, 4)
    retention_days = optional(number, 7)
  })
  default = {}
}

variable "shop_namespace" {
  description = "Kubernetes namespace of the shop in every cluster."
  type        = string
  default     = "shop"
}

variable "chaos_fault_duration" {
  description = "Duration of the regional-outage experiments, ISO 8601 (slocheck cancels them earlier when its scenario heals)."
  type        = string
  default     = "PT5M"
}

variable "budget" {
  description = "Monthly budgets: amount for the global resource group, amount for each region's, first month, thresholds."
  type = object({
    global_amount              = number
    region_amount              = number
    start_date                 = string
    actual_thresholds_percent  = optional(list(number), [50, 80, 100])
    forecast_threshold_percent = optional(number, 100)
  })
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}
