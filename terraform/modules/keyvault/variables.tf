variable "name" {
  description = "Globally unique Key Vault name (3-24 letters, digits or '-')."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 3-24 letters, digits or '-', starting with a letter and ending with a letter or digit."
  }
}

variable "location" {
  description = "Azure region of the vault."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the vault."
  type        = string
}

variable "vnet_id" {
  description = "VNet linked to the vault's private DNS zone."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the vault's private endpoint."
  type        = string
}

variable "soft_delete_retention_days" {
  description = "Days a deleted secret stays recoverable (7-90)."
  type        = number
  default     = 90

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "soft_delete_retention_days must be between 7 and 90."
  }
}

variable "secrets_user_principal_ids" {
  description = "Principals that read secrets (the region's workload identities), keyed by a stable name."
  type        = map(string)
  default     = {}
}

variable "secrets_officer_principal_ids" {
  description = "Principals that manage secrets (for example the release pipeline's identity), keyed by a stable name."
  type        = map(string)
  default     = {}
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives the vault's audit logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
