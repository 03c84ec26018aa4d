# A 10-rule conftest-style policy set used by scripts/bench-policies.sh.
package main

import rego.v1

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job"}

containers contains c if {
	workload_kinds[input.kind]
	some c in input.spec.template.spec.containers
}

deny_privileged contains msg if {
	some c in containers
	c.securityContext.privileged == true
	msg := sprintf("%s %s: container %s is privileged", [input.kind, input.metadata.name, c.name])
}

deny_latest contains msg if {
	some c in containers
	endswith(c.image, ":latest")
	msg := sprintf("%s %s: container %s uses the latest tag", [input.kind, input.metadata.name, c.name])
}

deny_no_limits contains msg if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("%s %s: container %s has no memory limit", [input.kind, input.metadata.name, c.name])
}

warn_no_requests contains msg if {
	some c in containers
	not c.resources.requests.cpu
	msg := sprintf("%s %s: container %s has no CPU request", [input.kind, input.metadata.name, c.name])
}

deny_run_as_root contains msg if {
	workload_kinds[input.kind]
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s %s may run as root", [input.kind, input.metadata.name])
}

warn_labels contains msg if {
	workload_kinds[input.kind]
	some label in ["app.kubernetes.io/name", "team"]
	not input.metadata.labels[label]
	msg := sprintf("%s %s has no %s label", [input.kind, input.metadata.name, label])
}

deny_host_network contains msg if {
	workload_kinds[input.kind]
	input.spec.template.spec.hostNetwork == true
	msg := sprintf("%s %s uses the host network", [input.kind, input.metadata.name])
}

warn_single_replica contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("Deployment %s runs a single replica", [input.metadata.name])
}

deny_ingress_tls contains msg if {
	input.kind == "Ingress"
	not input.spec.tls
	msg := sprintf("Ingress %s has no TLS", [input.metadata.name])
}

deny_public_bucket contains msg if {
	some name, buckets in input.resource.aws_s3_bucket
	some b in buckets
	b.acl in {"public-read", "public-read-write"}
	msg := sprintf("aws_s3_bucket.%s is public", [name])
}
