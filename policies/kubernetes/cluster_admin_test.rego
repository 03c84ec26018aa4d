package octolint.kubernetes.cluster_admin_test

import data.octolint.kubernetes.cluster_admin

binding(subjects) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "ClusterRoleBinding",
	"metadata": {"name": "ci"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
	"subjects": subjects,
}

test_service_account_with_cluster_admin_warns if {
	results := cluster_admin.warn with input as binding([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}])
	count(results) == 1
	some r in results
	r.msg == "ClusterRoleBinding ci grants cluster-admin to ServiceAccount deployer"
}

test_system_identities_pass if {
	count(cluster_admin.warn) == 0 with input as binding([{"kind": "Group", "name": "system:masters"}])
}

test_other_roles_pass if {
	b := object.union(binding([{"kind": "User", "name": "alice"}]), {"roleRef": {"kind": "ClusterRole", "name": "view"}})
	count(cluster_admin.warn) == 0 with input as b
}
