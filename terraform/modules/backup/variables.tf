variable "name_prefix" {
  description = "Prefix of every resource name in this region."
  type        = string
}

variable "location" {
  description = "Azure region of the vault (the cluster's region)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the vault; also where disk snapshots are kept."
  type        = string
}

variable "resource_group_id" {
  description = "Resource ID of resource_group_name (scope of the snapshot role assignments)."
  type        = string
}

variable "cluster_id" {
  description = "Resource ID of the AKS cluster to back up."
  type        = string
}

variable "cluster_principal_id" {
  description = "Principal ID of the cluster's control-plane identity."
  type        = string
}

variable "storage_account_name" {
  description = "Globally unique name of the storage account that holds the backed-up Kubernetes objects (3-24 lowercase letters and digits)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "vnet_id" {
  description = "VNet linked to the blob private DNS zone."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the blob private endpoint."
  type        = string
}

variable "backup_interval_hours" {
  description = "Hours between cluster backups (AKS backup supports 4, 6, 8, 12 or 24)."
  type        = number
  default     = 4

  validation {
    condition     = contains([4, 6, 8, 12, 24], var.backup_interval_hours)
    error_message = "backup_interval_hours must be 4, 6, 8, 12 or 24."
  }
}

variable "retention_days" {
  description = "Days a cluster backup is kept in the operational store (1-360)."
  type        = number
  default     = 7

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 360
    error_message = "retention_days must be between 1 and 360."
  }
}

variable "included_namespaces" {
  description = "Kubernetes namespaces to back up."
  type        = list(string)
  default     = ["shop"]

  validation {
    condition     = length(var.included_namespaces) > 0
    error_message = "included_namespaces must name at least one namespace."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
