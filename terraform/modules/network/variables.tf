variable "name_prefix" {
  description = "Prefix of every resource name in this region (for example slocheck-prod-eastus)."
  type        = string
}

variable "location" {
  description = "Azure region of the network."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the network."
  type        = string
}

variable "address_space" {
  description = "Address space of the VNet; every subnet CIDR must lie inside it."
  type        = list(string)

  validation {
    condition     = length(var.address_space) > 0 && alltrue([for c in var.address_space : can(cidrhost(c, 0))])
    error_message = "address_space must hold at least one valid CIDR."
  }
}

variable "aks_subnet_cidr" {
  description = "CIDR of the AKS subnet: node addresses and the shop's internal load balancer (pods use the overlay CIDR)."
  type        = string

  validation {
    condition     = can(cidrhost(var.aks_subnet_cidr, 0)) && tonumber(split("/", var.aks_subnet_cidr)[1]) <= 24
    error_message = "aks_subnet_cidr must be a valid CIDR of /24 or larger."
  }
}

variable "private_endpoint_subnet_cidr" {
  description = "CIDR of the private endpoint subnet."
  type        = string

  validation {
    condition     = can(cidrhost(var.private_endpoint_subnet_cidr, 0))
    error_message = "private_endpoint_subnet_cidr must be a valid CIDR."
  }
}

variable "firewall_subnet_cidr" {
  description = "CIDR of AzureFirewallSubnet (Azure requires at least a /26)."
  type        = string

  validation {
    condition     = can(cidrhost(var.firewall_subnet_cidr, 0)) && tonumber(split("/", var.firewall_subnet_cidr)[1]) <= 26
    error_message = "firewall_subnet_cidr must be a valid CIDR of /26 or larger."
  }
}

variable "shop_ingress_ip" {
  description = "Static private IP of the shop's internal load balancer, inside aks_subnet_cidr."
  type        = string

  validation {
    condition     = can(regex("^(\\d{1,3}\\.){3}\\d{1,3}$", var.shop_ingress_ip))
    error_message = "shop_ingress_ip must be an IPv4 address."
  }
}

variable "shop_port" {
  description = "TCP port the shop's internal load balancer listens on."
  type        = number
  default     = 80

  validation {
    condition     = var.shop_port >= 1 && var.shop_port <= 65535
    error_message = "shop_port must be a TCP port (1-65535)."
  }
}

variable "shop_allow_rule_priority" {
  description = "Priority of the NSG rule that admits the firewall's DNAT traffic to the shop. The Chaos Studio NSG fault must use a smaller number to override it."
  type        = number
  default     = 200

  validation {
    condition     = var.shop_allow_rule_priority >= 101 && var.shop_allow_rule_priority <= 4000
    error_message = "shop_allow_rule_priority must be 101-4000, leaving room below it for the chaos deny rule."
  }
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives the NSG logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
