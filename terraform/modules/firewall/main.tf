# The regional Azure Firewall: the only way in to the shop and the only way out of AKS.
#
# In:  Front Door -> firewall public IP :shop_port -> DNAT -> shop internal load balancer.
#      (The firewall SNATs DNAT traffic to its own private address, so replies come back through it.)
# Out: the AKS subnet's route table sends 0.0.0.0/0 to the firewall (AKS outbound type
#      userDefinedRouting); the policy allows what AKS needs (the AzureKubernetesService FQDN tag
#      and the tunnel/NTP ports) plus var.egress_allowed_fqdns, and denies the rest.

resource "azurerm_public_ip" "this" {
  name                = "${var.name_prefix}-fw-pip"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones
  domain_name_label   = var.domain_name_label
  tags                = var.tags
}

resource "azurerm_firewall_policy" "this" {
  name                     = "${var.name_prefix}-fw-policy"
  location                 = var.location
  resource_group_name      = var.resource_group_name
  sku                      = "Standard"
  threat_intelligence_mode = "Deny"
  tags                     = var.tags

  dns {
    proxy_enabled = true
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "this" {
  name               = "platform"
  firewall_policy_id = azurerm_firewall_policy.this.id
  priority           = 100

  nat_rule_collection {
    name     = "shop-ingress"
    priority = 100
    action   = "Dnat"

    rule {
      name                = "front-door-to-shop"
      description         = "Front Door origin traffic to the shop's internal load balancer."
      protocols           = ["TCP"]
      source_addresses    = var.ingress_source_addresses
      destination_address = azurerm_public_ip.this.ip_address
      destination_ports   = [tostring(var.shop_port)]
      translated_address  = var.shop_ingress_ip
      translated_port     = tostring(var.shop_port)
    }
  }

  network_rule_collection {
    name     = "aks-egress-network"
    priority = 200
    action   = "Allow"

    rule {
      name                  = "aks-api-tunnel-udp"
      protocols             = ["UDP"]
      source_addresses      = [var.aks_subnet_cidr]
      destination_addresses = ["AzureCloud.${var.location}"]
      destination_ports     = ["1194"]
    }

    rule {
      name                  = "aks-api-tunnel-tcp"
      protocols             = ["TCP"]
      source_addresses      = [var.aks_subnet_cidr]
      destination_addresses = ["AzureCloud.${var.location}"]
      destination_ports     = ["9000"]
    }

    rule {
      name              = "ntp"
      protocols         = ["UDP"]
      source_addresses  = [var.aks_subnet_cidr]
      destination_fqdns = ["ntp.ubuntu.com"]
      destination_ports = ["123"]
    }

    rule {
      name                  = "azure-monitor"
      protocols             = ["TCP"]
      source_addresses      = [var.aks_subnet_cidr]
      destination_addresses = ["AzureMonitor"]
      destination_ports     = ["443"]
    }
  }

  application_rule_collection {
    name     = "aks-egress-fqdn"
    priority = 300
    action   = "Allow"

    rule {
      name                  = "aks-required"
      description           = "Everything AKS itself needs (Microsoft-maintained FQDN tag)."
      source_addresses      = [var.aks_subnet_cidr]
      destination_fqdn_tags = ["AzureKubernetesService"]

      protocols {
        type = "Https"
        port = 443
      }

      protocols {
        type = "Http"
        port = 80
      }
    }

    rule {
      name              = "workload-images-and-telemetry"
      description       = "Container registries (the shop image, Chaos Mesh) and Application Insights ingestion."
      source_addresses  = [var.aks_subnet_cidr]
      destination_fqdns = var.egress_allowed_fqdns

      protocols {
        type = "Https"
        port = 443
      }
    }
  }
}

resource "azurerm_firewall" "this" {
  name                = "${var.name_prefix}-fw"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.this.id
  zones               = var.zones
  tags                = var.tags

  ip_configuration {
    name                 = "ipconfig"
    subnet_id            = var.firewall_subnet_id
    public_ip_address_id = azurerm_public_ip.this.id
  }

  depends_on = [azurerm_firewall_policy_rule_collection_group.this]
}

resource "azurerm_route_table" "aks" {
  name                          = "${var.name_prefix}-aks-rt"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  bgp_route_propagation_enabled = false
  tags                          = var.tags

  route {
    name                   = "default-via-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.this.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_subnet_route_table_association" "aks" {
  subnet_id      = var.aks_subnet_id
  route_table_id = azurerm_route_table.aks.id
}

resource "azurerm_monitor_diagnostic_setting" "firewall" {
  name                           = "to-log-analytics"
  target_resource_id             = azurerm_firewall.this.id
  log_analytics_workspace_id     = var.log_analytics_workspace_id
  log_analytics_destination_type = "Dedicated"

  enabled_log {
    category_group = "allLogs"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}
