package octolint.kubernetes.deprecated_api_test

import data.octolint.kubernetes.deprecated_api

test_removed_cronjob_is_denied if {
	results := deprecated_api.deny with input as {"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "backup"}}
	count(results) == 1
	some r in results
	r.msg == "CronJob backup uses batch/v1beta1, removed in Kubernetes 1.25: use batch/v1"
	r.path == ["apiVersion"]
}

test_removed_ingress_is_denied if {
	count(deprecated_api.deny) == 1 with input as {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "web"}}
}

test_current_versions_pass if {
	count(deprecated_api.deny) == 0 with input as {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "backup"}}
	count(deprecated_api.deny) == 0 with input as {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"}}
}

test_same_version_other_kind_passes if {
	# policy/v1beta1 is gone for PDBs, but a CRD group that happens to share the name is not ours.
	count(deprecated_api.deny) == 0 with input as {"apiVersion": "policy/v1beta1", "kind": "Eviction"}
}

test_non_kubernetes_input_passes if {
	count(deprecated_api.deny) == 0 with input as {"resource": {"aws_s3_bucket": {"b": [{}]}}}
}
