# staging: prod's shape at a smaller size.
environment = "staging"
project_id  = "example-platform-staging"
region      = "europe-west1"
kms_key_id  = "projects/example-platform-staging/locations/europe-west1/keyRings/platform/cryptoKeys/data"

nodes_cidr    = "10.20.0.0/20"
pods_cidr     = "10.21.0.0/16"
services_cidr = "10.22.0.0/20"
master_cidr   = "172.16.20.0/28"

authorized_networks = {
  office-vpn = "203.0.113.0/24"
  ci-runners = "198.51.100.0/26"
}

gke_location         = "europe-west1"
node_zones           = ["europe-west1-b", "europe-west1-c"]
node_machine_type    = "e2-standard-4"
node_min_per_zone    = 1
node_max_per_zone    = 3
node_service_account = "gke-nodes@example-platform-staging.iam.gserviceaccount.com"

db_tier                  = "db-custom-2-7680"
db_availability_type     = "ZONAL"
db_disk_size_gb          = 50
db_backup_retention_days = 7

redis_tier      = "BASIC"
redis_memory_gb = 2

artifact_retention_days = 90
deletion_protection     = true
