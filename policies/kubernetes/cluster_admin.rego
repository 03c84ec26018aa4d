# METADATA
# title: A binding grants the cluster-admin role to a user, group or service account
# description: |
#   `cluster-admin` allows every action on every resource in every namespace, including
#   reading all Secrets and changing RBAC itself. A RoleBinding or ClusterRoleBinding that
#   hands it to an application's service account, a person or a group turns any compromise of
#   that identity into a compromise of the cluster. Bindings for the control plane's own
#   `system:` identities are not reported.
# custom:
#   id: POL002
#   name: cluster-admin-binding
#   help: bind a Role or ClusterRole with only the verbs and resources the subject needs
#   kinds: [ClusterRoleBinding, RoleBinding]
#   fail: |
#     kind: ClusterRoleBinding
#     roleRef:
#       kind: ClusterRole
#       name: cluster-admin
#     subjects:
#       - kind: ServiceAccount
#         name: deployer
#         namespace: ci
#   pass: |
#     kind: RoleBinding
#     roleRef:
#       kind: ClusterRole
#       name: edit
#     subjects:
#       - kind: ServiceAccount
#         name: deployer
#         namespace: ci
package octolint.kubernetes.cluster_admin

binding_kinds := {"ClusterRoleBinding", "RoleBinding"}

warn contains result if {
	binding_kinds[input.kind]
	input.roleRef.kind == "ClusterRole"
	input.roleRef.name == "cluster-admin"
	some subject in input.subjects
	not startswith(subject.name, "system:")
	result := {
		"msg": sprintf(
			"%s %s grants cluster-admin to %s %s",
			[input.kind, object.get(input, ["metadata", "name"], "(unnamed)"), subject.kind, subject.name],
		),
		"path": ["roleRef", "name"],
	}
}
