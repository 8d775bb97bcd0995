# A resource group: the unit that owns a region's resources, its budget and its lifecycle.
resource "azurerm_resource_group" "this" {
  name     = var.name
  location = var.location
  tags     = var.tags
}
