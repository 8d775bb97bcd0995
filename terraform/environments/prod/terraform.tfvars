environment = "prod"

# prod: replace name_suffix, the emails and the authorized ranges with yours before applying.
name_suffix = "ab12c"

regions = {
  eastus = {
    short_name                   = "eus"
    address_space                = ["10.50.0.0/16"]
    aks_subnet_cidr              = "10.50.0.0/22"
    private_endpoint_subnet_cidr = "10.50.4.0/24"
    firewall_subnet_cidr         = "10.50.5.0/26"
    shop_ingress_ip              = "10.50.3.250"
    cosmos_failover_priority     = 0
  }
  westeurope = {
    short_name                   = "weu"
    address_space                = ["10.60.0.0/16"]
    aks_subnet_cidr              = "10.60.0.0/22"
    private_endpoint_subnet_cidr = "10.60.4.0/24"
    firewall_subnet_cidr         = "10.60.5.0/26"
    shop_ingress_ip              = "10.60.3.250"
    cosmos_failover_priority     = 1
  }
}

aks = {
  sku_tier = "Standard"
  system_pool = {
    vm_size   = "Standard_D4s_v5"
    min_count = 3
    max_count = 5
  }
  user_pool = {
    vm_size   = "Standard_D8s_v5"
    min_count = 3
    max_count = 20
  }
  # The egress addresses of your operators and pipeline agents (documentation range shown).
  api_server_authorized_ip_ranges = ["203.0.113.0/24"]
}

cosmos = {
  autoscale_max_throughput = 10000
  zone_redundant           = true
}

alert_email_addresses = ["platform-oncall@example.com"]
log_retention_days    = 90

budget = {
  global_amount = 2500
  region_amount = 4000
  start_date    = "2026-12-01T00:00:00Z"
}
