variable "project_id" {
  type = string
}

variable "name" {
  type = string
}

variable "region" {
  type = string
}

variable "network_id" {
  type = string
}

variable "kms_key_id" {
  type = string
}

variable "tier" {
  type        = string
  description = "BASIC (single node) or STANDARD_HA (replicated)"
  default     = "BASIC"
}

variable "memory_size_gb" {
  type    = number
  default = 1
}

variable "labels" {
  description = "Labels for every resource (project, environment, ...)."
  type        = map(string)
  default     = {}
}
