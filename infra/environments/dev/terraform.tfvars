# dev: one zone, small spot nodes, a zonal database, a basic cache.
environment = "dev"
project_id  = "example-platform-dev"
region      = "europe-west1"
kms_key_id  = "projects/example-platform-dev/locations/europe-west1/keyRings/platform/cryptoKeys/data"

nodes_cidr    = "10.10.0.0/20"
pods_cidr     = "10.11.0.0/16"
services_cidr = "10.12.0.0/20"
master_cidr   = "172.16.10.0/28"

authorized_networks = {
  office-vpn = "203.0.113.0/24"
}

gke_location         = "europe-west1-b"
node_zones           = ["europe-west1-b"]
node_machine_type    = "e2-standard-2"
node_min_per_zone    = 1
node_max_per_zone    = 3
node_spot            = true
node_service_account = "gke-nodes@example-platform-dev.iam.gserviceaccount.com"

db_tier                  = "db-custom-1-3840"
db_availability_type     = "ZONAL"
db_disk_size_gb          = 20
db_backup_retention_days = 3

redis_tier      = "BASIC"
redis_memory_gb = 1

artifact_retention_days = 30
deletion_protection     = false
