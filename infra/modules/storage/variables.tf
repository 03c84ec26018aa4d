variable "project_id" {
  type = string
}

variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "kms_key_id" {
  type = string
}

variable "retention_days" {
  type    = number
  default = 365
}

variable "labels" {
  description = "Labels for every resource (project, environment, ...)."
  type        = map(string)
  default     = {}
}
