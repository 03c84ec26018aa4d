# METADATA
# title: A Service is exposed on a port of every node (type NodePort)
# description: |
#   A NodePort Service opens the same high port on every node of the cluster, reachable by
#   anything that can reach a node, around Ingress controllers, load balancers and their TLS
#   and access controls. Use a ClusterIP Service behind an Ingress or Gateway, or a
#   LoadBalancer Service, unless the node port is deliberate.
# custom:
#   id: POL003
#   name: nodeport-service
#   help: use type ClusterIP behind an Ingress or Gateway (or LoadBalancer); suppress with a reason when the node port is deliberate
#   kinds: [Service]
#   fail: |
#     kind: Service
#     spec:
#       type: NodePort
#   pass: |
#     kind: Service
#     spec:
#       type: ClusterIP
package octolint.kubernetes.nodeport

warn contains result if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	result := {
		"msg": sprintf("Service %s is of type NodePort: it opens a port on every node", [object.get(input, ["metadata", "name"], "(unnamed)")]),
		"path": ["spec", "type"],
	}
}
