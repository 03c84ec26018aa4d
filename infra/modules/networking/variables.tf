variable "project_id" {
  type        = string
  description = "GCP project"
}

variable "name" {
  type        = string
  description = "Name prefix for every resource"
}

variable "region" {
  type        = string
  description = "Region of the subnetwork, router and NAT"
}

variable "nodes_cidr" {
  type        = string
  description = "Primary range of the node subnetwork"
}

variable "pods_cidr" {
  type        = string
  description = "Secondary range for pods"
}

variable "services_cidr" {
  type        = string
  description = "Secondary range for services"
}
