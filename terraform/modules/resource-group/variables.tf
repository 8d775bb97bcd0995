variable "name" {
  description = "Name of the resource group."
  type        = string

  validation {
    condition     = can(regex("^[-\\w._()]{1,89}[-\\w_()]$", var.name))
    error_message = "A resource group name is 1-90 characters of letters, digits, '-', '_', '.', '(' or ')' and must not end with '.'."
  }
}

variable "location" {
  description = "Azure region of the resource group (for example eastus)."
  type        = string
}

variable "tags" {
  description = "Tags applied to the resource group."
  type        = map(string)
  default     = {}
}
