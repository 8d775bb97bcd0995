# A regional outage as a Chaos Studio experiment, one per region. It runs two faults in parallel
# branches for var.fault_duration:
#   - aks-pod-failure: Chaos Mesh PodChaos (pod-failure) on every pod of the shop's namespace in
#     the region's cluster; the pods stop serving and drop out of the internal load balancer;
#   - nsg-deny:        an NSG rule on the AKS subnet, above the rule that admits the firewall's
#                      DNAT traffic, that drops every inbound packet to the shop's address: Front
#                      Door's probes and requests to the region time out (a black hole).
# Together they look like a region gone dark to every client, which is what the failover (RTO) and
# write-loss (RPO) measurements need. Chaos Studio removes both faults when the experiment ends or
# is cancelled, which is what slocheck's Chaos Studio injector relies on for its heal.
#
# Prerequisite outside Terraform: Chaos Mesh installed in each cluster (see terraform/README.md).
# The AKS faults are version 2.2, which work with Entra ID clusters without local accounts.

locals {
  pod_chaos_spec = jsonencode({
    action = "pod-failure"
    mode   = "all"
    selector = {
      namespaces     = [var.shop_namespace]
      labelSelectors = var.shop_label_selector
    }
  })
}

resource "azurerm_chaos_studio_target" "aks" {
  location           = var.location
  target_resource_id = var.aks_cluster_id
  target_type        = "Microsoft-AzureKubernetesServiceChaosMesh"
}

resource "azurerm_chaos_studio_capability" "pod_chaos" {
  chaos_studio_target_id = azurerm_chaos_studio_target.aks.id
  capability_type        = "PodChaos-2.2"
}

resource "azurerm_chaos_studio_target" "nsg" {
  location           = var.location
  target_resource_id = var.nsg_id
  target_type        = "Microsoft-NetworkSecurityGroup"
}

resource "azurerm_chaos_studio_capability" "security_rule" {
  chaos_studio_target_id = azurerm_chaos_studio_target.nsg.id
  capability_type        = "SecurityRule-1.1"
}

resource "azurerm_chaos_studio_experiment" "regional_outage" {
  name                = "${var.name_prefix}-regional-outage"
  location            = var.location
  resource_group_name = var.resource_group_name

  identity {
    type = "SystemAssigned"
  }

  selectors {
    name                    = "aks"
    chaos_studio_target_ids = [azurerm_chaos_studio_target.aks.id]
  }

  selectors {
    name                    = "nsg"
    chaos_studio_target_ids = [azurerm_chaos_studio_target.nsg.id]
  }

  steps {
    name = "region-down"

    branch {
      name = "aks-pod-failure"

      actions {
        action_type   = "continuous"
        urn           = azurerm_chaos_studio_capability.pod_chaos.urn
        selector_name = "aks"
        duration      = var.fault_duration
        parameters = {
          jsonSpec = local.pod_chaos_spec
        }
      }
    }

    branch {
      name = "nsg-deny"

      actions {
        action_type   = "continuous"
        urn           = azurerm_chaos_studio_capability.security_rule.urn
        selector_name = "nsg"
        duration      = var.fault_duration
        parameters = {
          name                  = "chaos-regional-outage"
          protocol              = "Any"
          sourceAddresses       = jsonencode(["*"])
          sourcePortRanges      = jsonencode(["*"])
          destinationAddresses  = jsonencode([var.shop_ingress_ip])
          destinationPortRanges = jsonencode(["*"])
          action                = "Deny"
          direction             = "Inbound"
          priority              = tostring(var.nsg_fault_priority)
          flushConnection       = "true"
        }
      }
    }
  }
}

# What the experiment's identity may do: run Chaos Mesh faults through the AKS API (Entra ID +
# Azure RBAC) and edit the NSG's rules. Nothing else.
resource "azurerm_role_assignment" "experiment" {
  for_each = {
    aks-rbac-admin   = { scope = var.aks_cluster_id, role = "Azure Kubernetes Service RBAC Admin" }
    aks-cluster-user = { scope = var.aks_cluster_id, role = "Azure Kubernetes Service Cluster User Role" }
    nsg-network      = { scope = var.nsg_id, role = "Network Contributor" }
  }

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_chaos_studio_experiment.regional_outage.identity[0].principal_id
}
