variable "name_prefix" {
  description = "Prefix of every resource name in this region."
  type        = string
}

variable "location" {
  description = "Azure region of the targets and the experiment (the region the outage hits)."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the experiment."
  type        = string
}

variable "aks_cluster_id" {
  description = "AKS cluster whose shop pods fail during the outage."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the region's AKS subnet, which gets the deny rule during the outage."
  type        = string
}

variable "shop_namespace" {
  description = "Kubernetes namespace of the shop (every pod in it fails)."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.shop_namespace))
    error_message = "shop_namespace must be a valid Kubernetes namespace name."
  }
}

variable "shop_label_selector" {
  description = "Labels that narrow the failed pods within the namespace (empty: all of them)."
  type        = map(string)
  default     = {}
}

variable "shop_ingress_ip" {
  description = "Private IP of the shop's internal load balancer (destination of the NSG deny rule)."
  type        = string
}

variable "nsg_fault_priority" {
  description = "Priority of the injected deny rule; must be a smaller number than the rule that admits the shop traffic."
  type        = number
  default     = 100

  validation {
    condition     = var.nsg_fault_priority >= 100 && var.nsg_fault_priority <= 4096
    error_message = "nsg_fault_priority must be between 100 and 4096."
  }
}

variable "fault_duration" {
  description = "How long the outage lasts, as an ISO 8601 duration (for example PT5M); slocheck may cancel it earlier."
  type        = string
  default     = "PT5M"

  validation {
    condition     = can(regex("^PT([0-9]+H)?([0-9]+M)?([0-9]+S)?$", var.fault_duration)) && var.fault_duration != "PT"
    error_message = "fault_duration must be an ISO 8601 time duration such as PT30S, PT5M or PT1H."
  }
}
