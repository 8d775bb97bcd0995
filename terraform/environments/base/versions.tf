terraform {
  required_version = ">= 1.9.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }

  # State lives in an Azure Storage account; pass its coordinates at init time:
  #   terraform init -backend-config=backend.hcl   (see terraform/README.md)
  backend "azurerm" {}
}
