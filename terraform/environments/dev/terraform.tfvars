environment = "dev"

# dev: replace name_suffix, the emails and the authorized ranges with yours before applying.
name_suffix = "ab12c"

regions = {
  eastus = {
    short_name                   = "eus"
    address_space                = ["10.10.0.0/16"]
    aks_subnet_cidr              = "10.10.0.0/22"
    private_endpoint_subnet_cidr = "10.10.4.0/24"
    firewall_subnet_cidr         = "10.10.5.0/26"
    shop_ingress_ip              = "10.10.3.250"
    cosmos_failover_priority     = 0
  }
  westeurope = {
    short_name                   = "weu"
    address_space                = ["10.20.0.0/16"]
    aks_subnet_cidr              = "10.20.0.0/22"
    private_endpoint_subnet_cidr = "10.20.4.0/24"
    firewall_subnet_cidr         = "10.20.5.0/26"
    shop_ingress_ip              = "10.20.3.250"
    cosmos_failover_priority     = 1
  }
}

aks = {
  sku_tier = "Free"
  system_pool = {
    vm_size   = "Standard_D2s_v5"
    min_count = 1
    max_count = 2
  }
  user_pool = {
    vm_size   = "Standard_D2s_v5"
    min_count = 1
    max_count = 3
  }
  # The egress addresses of your operators and pipeline agents (documentation range shown).
  api_server_authorized_ip_ranges = ["203.0.113.0/24"]
}

cosmos = {
  autoscale_max_throughput = 1000
  zone_redundant           = false
}

alert_email_addresses = ["platform-oncall@example.com"]
log_retention_days    = 30

budget = {
  global_amount = 300
  region_amount = 1400 # two Azure Firewall Standard instances alone are ~$1,825 a month: see docs/cost.md
  start_date    = "2026-12-01T00:00:00Z"
}
