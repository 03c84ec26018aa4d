output "url" {
  value = google_storage_bucket.this.url
}
