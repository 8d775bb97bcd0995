# Azure Front Door Standard/Premium in front of both regions: one endpoint, one origin group, one
# origin per region (the regional firewall's public DNS name), one catch-all route.
#
# Both origins have the same priority and weight, so every Front Door POP sends each request to the
# lowest-latency healthy origin (within additional_latency_in_milliseconds of the fastest): active-
# active, with each client served by its nearest region.
#
# ---------------------------------------------------------------------------------------------
# Health-probe arithmetic: why these settings give RTO < 10 s
# ---------------------------------------------------------------------------------------------
# Every POP probes every origin on its own, once every I = interval_in_seconds (the provider and
# the API accept 1-255 s; the API's default of 240 s is far too slow for a 10 s RTO). Front
# Door keeps, per POP and origin, the results of the last S = sample_size probes; the origin is
# healthy while at least R = successful_samples_required of them succeeded.
#
# An origin that was fully healthy therefore leaves rotation after F = S - R + 1 consecutive failed
# probes. If the region fails at t0, the first probe to see it fails at t0 + u with u in (0, I]
# (wherever t0 falls in the probe cycle), and the F-th at t0 + u + (F - 1) I. So
#
#     detection = u + (F - 1) I + d,   in ((F - 1) I, F I] + d
#
# where d is how long one probe takes to fail: about one round trip when the origin refuses or
# resets connections, up to Front Door's own probe timeout (which no setting here controls) when
# it black-holes them.
#
# Defaults: I = 2 s, S = 4, R = 3  =>  F = 2, detection in (2 s, 4 s] + d, mean 3 s + d.
# That leaves 6 s - d of the 10 s RTO for d and for the POP to switch routing; the chaos experiments
# (NSG deny = black hole, pod failure = refused/5xx) measure the real d with slocheck.
# Coming back takes R = 3 consecutive good probes after the heal (<= 3 I = 6 s), so a single lost
# probe never evicts an origin (F = 2) and a flapping origin is not readmitted on one good probe.
# Cost of I = 2 s: each POP with traffic sends 30 probes a minute to each origin's /health.
#
# slocheck's embedded platform (internal/platform) models the same three settings; its defaults
# must equal these so that `slocheck run` on the embedded platform predicts this deployment.
# The variable validation below refuses settings whose worst case F I reaches the RTO target.
# ---------------------------------------------------------------------------------------------

resource "azurerm_cdn_frontdoor_profile" "this" {
  name                     = var.profile_name
  resource_group_name      = var.resource_group_name
  sku_name                 = var.sku_name
  response_timeout_seconds = var.response_timeout_seconds
  tags                     = var.tags
}

resource "azurerm_cdn_frontdoor_endpoint" "this" {
  name                     = var.endpoint_name
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.this.id
  tags                     = var.tags
}

resource "azurerm_cdn_frontdoor_origin_group" "shop" {
  name                     = "shop"
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.this.id
  session_affinity_enabled = false

  health_probe {
    protocol            = "Http"
    request_type        = "GET"
    path                = var.health_probe.path
    interval_in_seconds = var.health_probe.interval_in_seconds
  }

  load_balancing {
    sample_size                        = var.health_probe.sample_size
    successful_samples_required        = var.health_probe.successful_samples_required
    additional_latency_in_milliseconds = var.additional_latency_in_milliseconds
  }
}

resource "azurerm_cdn_frontdoor_origin" "region" {
  for_each = var.origins

  name                           = each.key
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.shop.id
  enabled                        = true
  host_name                      = each.value.host_name
  origin_host_header             = each.value.host_name
  http_port                      = each.value.http_port
  https_port                     = 443
  certificate_name_check_enabled = true
  priority                       = 1
  weight                         = 500
}

resource "azurerm_cdn_frontdoor_route" "shop" {
  name                          = "shop"
  cdn_frontdoor_endpoint_id     = azurerm_cdn_frontdoor_endpoint.this.id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.shop.id
  cdn_frontdoor_origin_ids      = [for o in azurerm_cdn_frontdoor_origin.region : o.id]
  patterns_to_match             = ["/*"]
  supported_protocols           = ["Http", "Https"]
  https_redirect_enabled        = true
  # The reference shop serves plain HTTP behind the firewall; TLS ends at Front Door.
  forwarding_protocol    = "HttpOnly"
  link_to_default_domain = true
}

# Logs go to the AzureDiagnostics table, which the log alerts in modules/monitoring query.
resource "azurerm_monitor_diagnostic_setting" "frontdoor" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_cdn_frontdoor_profile.this.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  # FrontDoorHealthProbeLog records every failed probe per POP: the ground truth of detection.
  enabled_log {
    category_group = "allLogs"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}
