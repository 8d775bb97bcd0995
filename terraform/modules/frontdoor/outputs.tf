output "profile_id" {
  description = "Resource ID of the Front Door profile."
  value       = azurerm_cdn_frontdoor_profile.this.id
}

output "profile_name" {
  description = "Name of the Front Door profile."
  value       = azurerm_cdn_frontdoor_profile.this.name
}

output "profile_resource_guid" {
  description = "Front Door ID sent to origins in the X-Azure-FDID header (the shop may reject other callers)."
  value       = azurerm_cdn_frontdoor_profile.this.resource_guid
}

output "endpoint_host_name" {
  description = "Host name of the Front Door endpoint."
  value       = azurerm_cdn_frontdoor_endpoint.this.host_name
}

output "url" {
  description = "HTTPS URL of the Front Door endpoint: slocheck's --target."
  value       = "https://${azurerm_cdn_frontdoor_endpoint.this.host_name}"
}

output "origin_group_id" {
  description = "Resource ID of the origin group."
  value       = azurerm_cdn_frontdoor_origin_group.shop.id
}

output "origin_ids" {
  description = "Resource ID of each region's origin (the Front Door origin-disable injector's target)."
  value       = { for k, o in azurerm_cdn_frontdoor_origin.region : k => o.id }
}

output "health_probe" {
  description = "The probe settings in force and the worst-case detection time they imply."
  value = {
    path                        = var.health_probe.path
    interval_in_seconds         = var.health_probe.interval_in_seconds
    sample_size                 = var.health_probe.sample_size
    successful_samples_required = var.health_probe.successful_samples_required
    worst_case_detection_s      = (var.health_probe.sample_size - var.health_probe.successful_samples_required + 1) * var.health_probe.interval_in_seconds
  }
}
