variable "environment" {
  description = "Environment name (dev, staging or prod), set in each environment's terraform.tfvars."
  type        = string
}

variable "subscription_id" {
  description = "Azure subscription to deploy into (or set ARM_SUBSCRIPTION_ID and leave this null)."
  type        = string
  default     = null
}

variable "name_suffix" {
  description = "3-6 lowercase letters and digits that make the globally unique names yours."
  type        = string
}

variable "regions" {
  description = "Regions of this environment with their address plan (see modules/platform)."
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
}

variable "aks" {
  description = "AKS settings of this environment (see modules/platform)."
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
  description = "Cosmos DB settings of this environment (see modules/platform)."
  type = object({
    autoscale_max_throughput = optional(number, 1000)
    zone_redundant           = optional(bool, false)
    backup_interval_minutes  = optional(number, 240)
    backup_retention_hours   = optional(number, 48)
  })
  default = {}
}

variable "alert_email_addresses" {
  description = "Who receives alerts and budget notifications."
  type        = list(string)
}

variable "teams_webhook_url" {
  description = "Microsoft Teams incoming webhook for alerts; set it through TF_VAR_teams_webhook_url, never in a committed file."
  type        = string
  default     = null
  sensitive   = true
}

variable "log_retention_days" {
  description = "Days Log Analytics keeps data."
  type        = number
  default     = 30
}

variable "budget" {
  description = "Monthly budgets of this environment (see modules/platform)."
  type = object({
    global_amount              = number
    region_amount              = number
    start_date                 = string
    actual_thresholds_percent  = optional(list(number), [50, 80, 100])
    forecast_threshold_percent = optional(number, 100)
  })
}
