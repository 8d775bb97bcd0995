variable "name_prefix" {
  description = "Prefix of every resource name in this region."
  type        = string
}

variable "location" {
  description = "Azure region of the firewall (also selects the AzureCloud.<region> service tag for the AKS tunnel)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the firewall."
  type        = string
}

variable "firewall_subnet_id" {
  description = "Resource ID of the region's AzureFirewallSubnet."
  type        = string
}

variable "aks_subnet_id" {
  description = "Resource ID of the AKS subnet whose egress is routed through the firewall."
  type        = string
}

variable "aks_subnet_cidr" {
  description = "CIDR of the AKS subnet (the source of every egress rule)."
  type        = string

  validation {
    condition     = can(cidrhost(var.aks_subnet_cidr, 0))
    error_message = "aks_subnet_cidr must be a valid CIDR."
  }
}

variable "shop_ingress_ip" {
  description = "Private IP of the shop's internal load balancer (the DNAT translation target)."
  type        = string
}

variable "shop_port" {
  description = "TCP port of the shop, on the public IP and on the internal load balancer."
  type        = number
  default     = 80

  validation {
    condition     = var.shop_port >= 1 && var.shop_port <= 65535
    error_message = "shop_port must be a TCP port (1-65535)."
  }
}

variable "ingress_source_addresses" {
  description = "Sources allowed through the DNAT rule. Front Door's backend ranges change over time, so the default is any source and the shop checks the X-Azure-FDID header against the profile's resource GUID."
  type        = list(string)
  default     = ["*"]

  validation {
    condition     = length(var.ingress_source_addresses) > 0
    error_message = "ingress_source_addresses must not be empty."
  }
}

variable "egress_allowed_fqdns" {
  description = "Extra FQDNs the AKS subnet may reach over HTTPS (container registries, telemetry ingestion)."
  type        = list(string)
  default = [
    "*.azurecr.io",
    "*.data.mcr.microsoft.com",
    "ghcr.io",
    "pkg-containers.githubusercontent.com",
    "*.in.applicationinsights.azure.com",
    "*.livediagnostics.monitor.azure.com",
  ]

  validation {
    condition     = length(var.egress_allowed_fqdns) > 0
    error_message = "egress_allowed_fqdns must list at least one FQDN."
  }
}

variable "domain_name_label" {
  description = "DNS label of the firewall's public IP: <label>.<region>.cloudapp.azure.com becomes the Front Door origin host name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$", var.domain_name_label))
    error_message = "domain_name_label must be 3-63 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "zones" {
  description = "Availability zones of the firewall and its public IP."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace that receives the firewall logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
