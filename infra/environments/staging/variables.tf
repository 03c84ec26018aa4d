variable "environment" {
  type = string
}

variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "kms_key_id" {
  type = string
}

variable "nodes_cidr" {
  type = string
}

variable "pods_cidr" {
  type = string
}

variable "services_cidr" {
  type = string
}

variable "master_cidr" {
  type = string
}

variable "authorized_networks" {
  type = map(string)
}

variable "gke_location" {
  type = string
}

variable "node_zones" {
  type = list(string)
}

variable "node_machine_type" {
  type = string
}

variable "node_min_per_zone" {
  type = number
}

variable "node_max_per_zone" {
  type = number
}

variable "node_spot" {
  type    = bool
  default = false
}

variable "node_service_account" {
  type = string
}

variable "db_tier" {
  type = string
}

variable "db_availability_type" {
  type = string
}

variable "db_disk_size_gb" {
  type = number
}

variable "db_backup_retention_days" {
  type = number
}

variable "redis_tier" {
  type = string
}

variable "redis_memory_gb" {
  type = number
}

variable "artifact_retention_days" {
  type = number
}

variable "deletion_protection" {
  type = bool
}
