# One region's AKS cluster: a system pool for critical add-ons, an autoscaled user pool for the shop,
# Azure CNI (overlay, Cilium data plane: nodes in the VNet, pods in var.pod_cidr), egress through the regional firewall, Entra ID + Azure RBAC (no local
# accounts), OIDC issuer + workload identity, and one user-assigned identity per workload with its
# federated credential (system:serviceaccount:<namespace>:<service account>).

data "azurerm_client_config" "current" {}

# The control plane's own identity. User-assigned, so it can be granted rights on the subnet and
# route table before the cluster exists (AKS with userDefinedRouting checks them at creation).
resource "azurerm_user_assigned_identity" "control_plane" {
  name                = "${var.name_prefix}-aks-id"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_role_assignment" "control_plane_network" {
  for_each = {
    subnet      = var.subnet_id
    route-table = var.route_table_id
  }

  scope                = each.value
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane.principal_id
}

# tfsec v1.26 reads the azurerm 3.x attribute api_server_authorized_ip_ranges, which azurerm 4+
# replaced with api_server_access_profile.authorized_ip_ranges below (set from a required,
# validated variable that refuses 0.0.0.0/0), so its finding is a false positive.
#tfsec:ignore:azure-container-limit-authorized-ips false positive: authorized_ip_ranges is set in api_server_access_profile
resource "azurerm_kubernetes_cluster" "this" {
  name                      = "${var.name_prefix}-aks"
  location                  = var.location
  resource_group_name       = var.resource_group_name
  dns_prefix                = "${var.name_prefix}-aks"
  kubernetes_version        = var.kubernetes_version
  sku_tier                  = var.sku_tier
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"
  local_account_disabled    = true
  oidc_issuer_enabled       = true
  workload_identity_enabled = true
  azure_policy_enabled      = true
  tags                      = var.tags

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_pool.vm_size
    auto_scaling_enabled         = true
    min_count                    = var.system_pool.min_count
    max_count                    = var.system_pool.max_count
    max_pods                     = var.max_pods
    only_critical_addons_enabled = true
    vnet_subnet_id               = var.subnet_id
    zones                        = var.zones
    temporary_name_for_rotation  = "systemtmp"

    upgrade_settings {
      max_surge = "33%"
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.control_plane.id]
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    pod_cidr            = var.pod_cidr
    outbound_type       = "userDefinedRouting"
    load_balancer_sku   = "standard"
    service_cidr        = var.service_cidr
    dns_service_ip      = cidrhost(var.service_cidr, 10)
  }

  api_server_access_profile {
    authorized_ip_ranges = var.api_server_authorized_ip_ranges
  }

  azure_active_directory_role_based_access_control {
    tenant_id              = data.azurerm_client_config.current.tenant_id
    azure_rbac_enabled     = true
    admin_group_object_ids = var.admin_group_object_ids
  }

  auto_scaler_profile {
    balance_similar_node_groups = true
    scale_down_unneeded         = "5m"
  }

  key_vault_secrets_provider {
    secret_rotation_enabled = true
  }

  oms_agent {
    log_analytics_workspace_id      = var.log_analytics_workspace_id
    msi_auth_for_monitoring_enabled = true
  }

  depends_on = [azurerm_role_assignment.control_plane_network]
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = var.user_pool.vm_size
  auto_scaling_enabled  = true
  min_count             = var.user_pool.min_count
  max_count             = var.user_pool.max_count
  max_pods              = var.max_pods
  vnet_subnet_id        = var.subnet_id
  zones                 = var.zones
  node_labels           = { "slocheck.io/pool" = "user" }
  tags                  = var.tags

  upgrade_settings {
    max_surge = "33%"
  }
}

# The kubelet pulls the shop's image from the platform's registry.
resource "azurerm_role_assignment" "kubelet_acr_pull" {
  scope                = var.container_registry_id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}

resource "azurerm_user_assigned_identity" "workload" {
  for_each = var.workloads

  name                = "${var.name_prefix}-${each.key}-id"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_federated_identity_credential" "workload" {
  for_each = var.workloads

  name                      = "${var.name_prefix}-${each.key}"
  user_assigned_identity_id = azurerm_user_assigned_identity.workload[each.key].id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = azurerm_kubernetes_cluster.this.oidc_issuer_url
  subject                   = "system:serviceaccount:${each.value.namespace}:${each.value.service_account}"
}

resource "azurerm_monitor_diagnostic_setting" "aks" {
  name                           = "to-log-analytics"
  target_resource_id             = azurerm_kubernetes_cluster.this.id
  log_analytics_workspace_id     = var.log_analytics_workspace_id
  log_analytics_destination_type = "Dedicated"

  enabled_log {
    category = "kube-audit-admin"
  }

  enabled_log {
    category = "kube-apiserver"
  }

  enabled_log {
    category = "cluster-autoscaler"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}
