variable "name_prefix" {
  description = "Prefix of every resource name in this region."
  type        = string
}

variable "location" {
  description = "Azure region of the cluster."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the cluster and its identities."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (for example 1.33); patches follow the automatic upgrade channel. null takes AKS's default."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.\\d+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.33, or null."
  }
}

variable "sku_tier" {
  description = "AKS control plane tier: Free (no SLA), Standard (financially backed uptime SLA) or Premium."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "system_pool" {
  description = "System node pool (critical add-ons only): VM size and autoscaler bounds."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })

  validation {
    condition     = var.system_pool.min_count >= 1 && var.system_pool.min_count <= var.system_pool.max_count
    error_message = "system_pool needs 1 <= min_count <= max_count."
  }
}

variable "user_pool" {
  description = "User node pool (the shop and slocheck Jobs): VM size and autoscaler bounds."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })

  validation {
    condition     = var.user_pool.min_count >= 0 && var.user_pool.min_count <= var.user_pool.max_count && var.user_pool.max_count >= 1
    error_message = "user_pool needs 0 <= min_count <= max_count and max_count >= 1."
  }
}

variable "max_pods" {
  description = "Maximum pods per node (Azure CNI overlay: pods take addresses from pod_cidr, not from the subnet)."
  type        = number
  default     = 50

  validation {
    condition     = var.max_pods >= 10 && var.max_pods <= 250
    error_message = "max_pods must be between 10 and 250."
  }
}

variable "zones" {
  description = "Availability zones of both node pools."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "subnet_id" {
  description = "Resource ID of the AKS subnet (nodes and pods)."
  type        = string
}

variable "route_table_id" {
  description = "Resource ID of the AKS subnet's route table (egress through the firewall)."
  type        = string
}

variable "pod_cidr" {
  description = "Overlay CIDR the pods' addresses come from; must not overlap the VNet or service_cidr."
  type        = string
  default     = "192.168.0.0/16"

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be a valid CIDR."
  }
}

variable "service_cidr" {
  description = "Kubernetes service CIDR; must not overlap the VNet. The DNS service takes its 10th address."
  type        = string
  default     = "172.16.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 10))
    error_message = "service_cidr must be a valid CIDR with room for the DNS service address."
  }
}

variable "api_server_authorized_ip_ranges" {
  description = "CIDRs allowed to reach the Kubernetes API server (your operators' and pipeline agents' egress addresses)."
  type        = list(string)

  validation {
    condition     = length(var.api_server_authorized_ip_ranges) > 0 && alltrue([for c in var.api_server_authorized_ip_ranges : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "api_server_authorized_ip_ranges must list valid CIDRs, and not 0.0.0.0/0."
  }
}

variable "admin_group_object_ids" {
  description = "Entra ID groups that get cluster-admin through Azure RBAC."
  type        = list(string)
  default     = []
}

variable "workloads" {
  description = "Workloads that get a user-assigned identity federated with a Kubernetes service account, keyed by a short name."
  type = map(object({
    namespace       = string
    service_account = string
  }))

  validation {
    condition     = alltrue([for k, w in var.workloads : can(regex("^[a-z][a-z0-9-]{0,20}$", k)) && w.namespace != "" && w.service_account != ""])
    error_message = "workload keys must be short lowercase names; namespace and service_account must not be empty."
  }
}

variable "container_registry_id" {
  description = "Resource ID of the container registry the kubelet pulls from (AcrPull)."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace for Container Insights and the control plane logs."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
