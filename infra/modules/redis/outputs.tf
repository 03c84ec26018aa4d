output "host" {
  value = google_redis_instance.this.host
}
