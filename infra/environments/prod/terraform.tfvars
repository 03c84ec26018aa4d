# prod: regional control plane, nodes in three zones, HA database and cache, 14 days of backups.
environment = "prod"
project_id  = "example-platform-prod"
region      = "europe-west1"
kms_key_id  = "projects/example-platform-prod/locations/europe-west1/keyRings/platform/cryptoKeys/data"

nodes_cidr    = "10.30.0.0/20"
pods_cidr     = "10.31.0.0/16"
services_cidr = "10.32.0.0/20"
master_cidr   = "172.16.30.0/28"

authorized_networks = {
  office-vpn = "203.0.113.0/24"
  ci-runners = "198.51.100.0/26"
}

gke_location         = "europe-west1"
node_zones           = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
node_machine_type    = "n2-standard-4"
node_min_per_zone    = 1
node_max_per_zone    = 4
node_service_account = "gke-nodes@example-platform-prod.iam.gserviceaccount.com"

db_tier                  = "db-custom-4-15360"
db_availability_type     = "REGIONAL"
db_disk_size_gb          = 200
db_backup_retention_days = 14

redis_tier      = "STANDARD_HA"
redis_memory_gb = 5

artifact_retention_days = 365
deletion_protection     = true
