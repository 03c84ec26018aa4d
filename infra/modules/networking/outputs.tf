output "network_id" {
  value = google_compute_network.this.id
}

output "subnetwork_id" {
  value = google_compute_subnetwork.nodes.id
}

output "private_services_connection" {
  value = google_service_networking_connection.private_services.id
}
