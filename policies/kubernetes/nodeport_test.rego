package octolint.kubernetes.nodeport_test

import data.octolint.kubernetes.nodeport

test_nodeport_warns if {
	results := nodeport.warn with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort"}}
	count(results) == 1
}

test_cluster_ip_and_load_balancer_pass if {
	count(nodeport.warn) == 0 with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "ClusterIP"}}
	count(nodeport.warn) == 0 with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
	count(nodeport.warn) == 0 with input as {"kind": "Service", "metadata": {"name": "web"}, "spec": {}}
}
