locals {
  name = "platform-${var.environment}"
  labels = {
    project     = var.project_id
    environment = var.environment
  }
}

module "networking" {
  source = "../../modules/networking"

  project_id    = var.project_id
  name          = local.name
  region        = var.region
  nodes_cidr    = var.nodes_cidr
  pods_cidr     = var.pods_cidr
  services_cidr = var.services_cidr
}

module "gke" {
  source = "../../modules/gke"

  labels = local.labels

  project_id           = var.project_id
  name                 = local.name
  location             = var.gke_location
  node_zones           = var.node_zones
  network_id           = module.networking.network_id
  subnetwork_id        = module.networking.subnetwork_id
  master_cidr          = var.master_cidr
  authorized_networks  = var.authorized_networks
  kms_key_id           = var.kms_key_id
  machine_type         = var.node_machine_type
  min_nodes            = var.node_min_per_zone
  max_nodes            = var.node_max_per_zone
  spot                 = var.node_spot
  node_service_account = var.node_service_account
  deletion_protection  = var.deletion_protection
}

module "database" {
  source = "../../modules/database"

  labels = local.labels

  project_id            = var.project_id
  name                  = "${local.name}-pg"
  region                = var.region
  network_id            = module.networking.network_id
  kms_key_id            = var.kms_key_id
  tier                  = var.db_tier
  availability_type     = var.db_availability_type
  disk_size_gb          = var.db_disk_size_gb
  backup_retention_days = var.db_backup_retention_days
  deletion_protection   = var.deletion_protection
}

module "redis" {
  source = "../../modules/redis"

  labels = local.labels

  project_id     = var.project_id
  name           = "${local.name}-cache"
  region         = var.region
  network_id     = module.networking.network_id
  kms_key_id     = var.kms_key_id
  tier           = var.redis_tier
  memory_size_gb = var.redis_memory_gb
}

module "artifacts" {
  source = "../../modules/storage"

  labels = local.labels

  project_id     = var.project_id
  name           = "${var.project_id}-${var.environment}-artifacts"
  location       = var.region
  kms_key_id     = var.kms_key_id
  retention_days = var.artifact_retention_days
}
