variable "account_name" {
  description = "Globally unique name of the Cosmos DB account (3-44 lowercase letters, digits or '-')."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$", var.account_name))
    error_message = "account_name must be 3-44 lowercase letters, digits or '-', not starting or ending with '-'."
  }
}

variable "resource_group_name" {
  description = "Resource group of the account (the platform's global resource group)."
  type        = string
}

variable "primary_location" {
  description = "Region the account resource is created in (one of the keys of regions)."
  type        = string
}

variable "regions" {
  description = "Regions the account is replicated to and written in, keyed by Azure region; each gets a private endpoint in its own VNet."
  type = map(object({
    failover_priority   = number
    zone_redundant      = bool
    resource_group_name = string
    subnet_id           = string
    vnet_id             = string
  }))

  validation {
    condition     = length(var.regions) >= 2
    error_message = "regions must list at least two regions (the platform is multi-region)."
  }

  validation {
    condition     = length(distinct([for r in var.regions : r.failover_priority])) == length(var.regions) && contains([for r in var.regions : r.failover_priority], 0)
    error_message = "failover_priority values must be distinct and one region must have priority 0."
  }
}

variable "database_name" {
  description = "Name of the SQL database."
  type        = string
  default     = "shop"
}

variable "container_name" {
  description = "Name of the orders container (partition key /id)."
  type        = string
  default     = "orders"
}

variable "partition_key_path" {
  description = "Partition key path of the orders and lag-probe containers: one top-level field, in which every document carries its own id (slocheck's read-back reads by id)."
  type        = string
  default     = "/id"

  validation {
    condition     = can(regex("^/[A-Za-z_][A-Za-z0-9_]*$", var.partition_key_path))
    error_message = "partition_key_path must be one top-level field such as /id."
  }
}

variable "probe_container_name" {
  description = "Name of the container slocheck's replication-lag probe writes its marker documents to."
  type        = string
  default     = "lag-probe"
}

variable "probe_ttl_seconds" {
  description = "Time to live of the lag probe's markers, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.probe_ttl_seconds >= 60 && var.probe_ttl_seconds <= 604800
    error_message = "probe_ttl_seconds must be 60 to 604800 (7 days)."
  }
}

variable "probe_writer_principal_ids" {
  description = "Principals that write the lag probe's markers (slocheck), keyed by a stable name: Data Contributor on the lag-probe container only."
  type        = map(string)
  default     = {}
}

variable "autoscale_max_throughput" {
  description = "Autoscale ceiling of the orders container in RU/s (the floor is a tenth of it)."
  type        = number
  default     = 1000

  validation {
    condition     = var.autoscale_max_throughput >= 1000 && var.autoscale_max_throughput % 1000 == 0
    error_message = "autoscale_max_throughput must be a multiple of 1000 RU/s, at least 1000."
  }
}

variable "backup_interval_minutes" {
  description = "Minutes between periodic backups (60-1440)."
  type        = number
  default     = 240

  validation {
    condition     = var.backup_interval_minutes >= 60 && var.backup_interval_minutes <= 1440
    error_message = "backup_interval_minutes must be between 60 and 1440."
  }
}

variable "backup_retention_hours" {
  description = "Hours each periodic backup is kept (8-720); must cover at least two intervals."
  type        = number
  default     = 48

  validation {
    condition     = var.backup_retention_hours >= 8 && var.backup_retention_hours <= 720
    error_message = "backup_retention_hours must be between 8 and 720."
  }
}

variable "data_contributor_principal_ids" {
  description = "Principals (workload identities) that get the built-in Data Contributor role on the account, keyed by a stable name."
  type        = map(string)
  default     = {}
}

variable "data_reader_principal_ids" {
  description = "Principals that only read (slocheck's RPO read-back and replication checks), keyed by a stable name."
  type        = map(string)
  default     = {}
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives the account's logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
