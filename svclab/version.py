"""The one Kubernetes version the embedded cluster copies: kind v0.31's default node image."""

KUBERNETES_VERSION = "v1.35.0"
KUBERNETES_MINOR = "35"
KIND_VERSION = "v0.31.0"
KIND_NODE_IMAGE = "kindest/node:v1.35.0"
GIT_COMMIT = "66452049f3d692768c39c797b21b793dce80314e"
CLUSTER_DOMAIN = "cluster.local"
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
NODE_NETWORK = "172.18.0.0/16"
NODE_PORT_RANGE = (30000, 32767)
