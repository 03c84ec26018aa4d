output "cluster_id" {
  value = module.gke.cluster_id
}

output "database_connection_name" {
  value = module.database.connection_name
}

output "redis_host" {
  value = module.redis.host
}
