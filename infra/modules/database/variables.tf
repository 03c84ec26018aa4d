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
  description = "Cloud SQL machine tier, e.g. db-custom-2-7680"
}

variable "availability_type" {
  type        = string
  description = "ZONAL or REGIONAL (high availability)"
  default     = "ZONAL"
}

variable "disk_size_gb" {
  type    = number
  default = 20
}

variable "backup_retention_days" {
  type    = number
  default = 7
}

variable "point_in_time_recovery" {
  type    = bool
  default = true
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
