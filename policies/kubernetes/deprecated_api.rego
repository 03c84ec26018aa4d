# METADATA
# title: A manifest uses a Kubernetes API version that has been removed
# description: |
#   Kubernetes removes beta API versions a few releases after their stable replacement
#   ships. A manifest that still uses a removed `apiVersion` is rejected by the API server of
#   every newer cluster, so the next upgrade breaks its deployment. The message names the
#   release that removed it and the version to use instead.
# custom:
#   id: POL001
#   name: removed-api-version
#   help: change apiVersion to the replacement named in the message (kubectl convert can rewrite the manifest)
#   api_versions:
#     - admissionregistration.k8s.io/v1beta1
#     - apiextensions.k8s.io/v1beta1
#     - apiregistration.k8s.io/v1beta1
#     - apps/v1beta1
#     - apps/v1beta2
#     - autoscaling/v2beta1
#     - autoscaling/v2beta2
#     - batch/v1beta1
#     - certificates.k8s.io/v1beta1
#     - coordination.k8s.io/v1beta1
#     - discovery.k8s.io/v1beta1
#     - events.k8s.io/v1beta1
#     - extensions/v1beta1
#     - flowcontrol.apiserver.k8s.io/v1beta1
#     - flowcontrol.apiserver.k8s.io/v1beta2
#     - networking.k8s.io/v1beta1
#     - node.k8s.io/v1beta1
#     - policy/v1beta1
#     - rbac.authorization.k8s.io/v1beta1
#     - scheduling.k8s.io/v1beta1
#     - storage.k8s.io/v1beta1
#   fail: |
#     apiVersion: batch/v1beta1
#     kind: CronJob
#     metadata:
#       name: backup
#   pass: |
#     apiVersion: batch/v1
#     kind: CronJob
#     metadata:
#       name: backup
package octolint.kubernetes.deprecated_api

# apiVersion -> kind -> [removed in, replacement], from removed_apis.json beside this file
# (bundled data: a lookup in data is much cheaper than building an object literal per input).
removed := data.octolint.removed_apis

deny contains result if {
	entry := removed[input.apiVersion][input.kind]
	result := {
		"msg": sprintf(
			"%s %s uses %s, removed in Kubernetes %s: use %s",
			[input.kind, object.get(input, ["metadata", "name"], "(unnamed)"), input.apiVersion, entry[0], entry[1]],
		),
		"path": ["apiVersion"],
	}
}
