variable "project_id" {
  type = string
}

variable "name" {
  type = string
}

variable "location" {
  type        = string
  description = "A region for a regional (HA) control plane, a zone for a zonal one"
}

variable "node_zones" {
  type        = list(string)
  description = "Zones the node pool spreads over"
}

variable "network_id" {
  type = string
}

variable "subnetwork_id" {
  type = string
}

variable "master_cidr" {
  type = string
}

variable "authorized_networks" {
  type        = map(string)
  description = "Name => CIDR allowed to reach the control plane"
}

variable "kms_key_id" {
  type        = string
  description = "Cloud KMS key that encrypts Kubernetes secrets"
}

variable "release_channel" {
  type    = string
  default = "REGULAR"
}

variable "machine_type" {
  type = string
}

variable "min_nodes" {
  type        = number
  description = "Minimum nodes per zone"
}

variable "max_nodes" {
  type        = number
  description = "Maximum nodes per zone"
}

variable "disk_size_gb" {
  type    = number
  default = 50
}

variable "spot" {
  type    = bool
  default = false
}

variable "node_service_account" {
  type = string
}

variable "deletion_protection" {
  type    = bool
  default = true
}

variable "labels" {
  description = "Labels for every resource (project, environment, ...)."
  type        = map(string)
  default     = {}
}
