"""What a fresh kind cluster holds before anyone applies anything: three nodes, the four namespaces,
the `kubernetes` and `kube-dns` Services, CoreDNS, and the static and per-node kube-system pods."""

from __future__ import annotations

from typing import Any

from svclab.dns.kindcorefile import KIND_COREFILE
from svclab.records import Record, set_field
from svclab.version import KUBERNETES_VERSION

Obj = dict[str, Any]

KUBE_DNS_IP = "10.96.0.10"
KUBERNETES_IP = "10.96.0.1"
CONTAINERD_VERSION = "containerd://2.2.0"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL_VERSION = "6.8.0-svclab"
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.13.1"
LOCAL_PATH_IMAGE = "docker.io/kindest/local-path-provisioner:v20251212-v0.29.0-alpha-105-g20ccfc88"
KINDNET_IMAGE = "docker.io/kindest/kindnetd:v20251212-v0.29.0-alpha-105-g20ccfc88"


class NodePlan(Record):
    """One node of the cluster to make (a frozen record: svclab.records)."""

    _fields = ("name", "ip", "pod_cidr", "control_plane")
    name: str
    ip: str
    pod_cidr: str
    control_plane: bool

    def __init__(self, name: str, ip: str, pod_cidr: str, control_plane: bool) -> None:
        set_field(self, "name", name)
        set_field(self, "ip", ip)
        set_field(self, "pod_cidr", pod_cidr)
        set_field(self, "control_plane", control_plane)


def node_plans(cluster: str, workers: int = 2) -> list[NodePlan]:
    plans = [NodePlan(f"{cluster}-control-plane", "172.18.0.2", "10.244.0.0/24", True)]
    for index in range(1, workers + 1):
        suffix = "" if index == 1 else str(index)
        plans.append(NodePlan(f"{cluster}-worker{suffix}", f"172.18.0.{index + 2}", f"10.244.{index}.0/24", False))
    return plans


def node(cluster: str, plan: NodePlan) -> Obj:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": plan.name,
        "kubernetes.io/os": "linux",
    }
    spec: Obj = {"podCIDR": plan.pod_cidr, "podCIDRs": [plan.pod_cidr], "providerID": f"kind://docker/{cluster}/{plan.name}"}
    if plan.control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    capacity = {"cpu": "2", "ephemeral-storage": "263174212Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": "24590976Ki", "pods": "110"}
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": plan.name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [{"address": plan.ip, "type": "InternalIP"}, {"address": plan.name, "type": "Hostname"}],
            "allocatable": capacity,
            "capacity": capacity,
            "conditions": [{"type": t, "status": s, "reason": r, "message": m} for t, s, r, m in conditions],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": CONTAINERD_VERSION,
                "kernelVersion": KERNEL_VERSION,
                "kubeProxyVersion": "",
                "kubeletVersion": KUBERNETES_VERSION,
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": "",
            },
        },
    }


def namespaces() -> list[Obj]:
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}} for n in ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage")]


def kubernetes_service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": KUBERNETES_IP, "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
    }


def kubernetes_endpoints(control_plane_ip: str) -> tuple[Obj, Obj]:
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": control_plane_ip}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}],
    }
    slice_ = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [control_plane_ip], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    }
    return endpoints, slice_


def kube_dns_service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        },
        "spec": {
            "clusterIP": KUBE_DNS_IP,
            "selector": {"k8s-app": "kube-dns"},
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
        },
    }


def coredns_configmap() -> Obj:
    """kube-system/coredns as kubeadm v1.35 writes it (addons/dns/manifests.go CoreDNSConfigMap)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": KIND_COREFILE},
    }


def coredns_deployment() -> Obj:
    probe_port = {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
                    ],
                    "containers": [{
                        "name": "coredns",
                        "image": COREDNS_IMAGE,
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "ports": [
                            {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                            {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                            {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                        ],
                        "readinessProbe": probe_port,
                    }],
                    "dnsPolicy": "Default",
                },
            },
        },
    }


def local_path_provisioner() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "local-path-provisioner", "namespace": "local-path-storage"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "local-path-provisioner"}},
            "template": {
                "metadata": {"labels": {"app": "local-path-provisioner"}},
                "spec": {
                    "serviceAccountName": "local-path-provisioner-service-account",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane", "operator": "Equal"}],
                    "containers": [{"name": "local-path-provisioner", "image": LOCAL_PATH_IMAGE, "command": ["local-path-provisioner", "--debug", "start", "--helper-image", "docker.io/kindest/local-path-helper:v20251212-v0.29.0-alpha-105-g20ccfc88", "--config", "/etc/config/config.json"]}],
                },
            },
        },
    }


def control_plane_pods(cluster: str, plans: list[NodePlan]) -> list[Obj]:
    """Static pods on the control plane and one kube-proxy and kindnet pod per node (hostNetwork)."""
    cp = plans[0]
    pods = []
    for component, image in (
        ("etcd", "registry.k8s.io/etcd:3.6.5-0"),
        ("kube-apiserver", f"registry.k8s.io/kube-apiserver:{KUBERNETES_VERSION}"),
        ("kube-controller-manager", f"registry.k8s.io/kube-controller-manager:{KUBERNETES_VERSION}"),
        ("kube-scheduler", f"registry.k8s.io/kube-scheduler:{KUBERNETES_VERSION}"),
    ):
        pods.append(_host_pod(f"{component}-{cp.name}", {"component": component, "tier": "control-plane"}, component, image, cp.name))
    suffixes = ("x7k2p", "9qvzm", "b4wtn", "r5hdc", "l8fjs", "t2nwq")
    for index, plan in enumerate(plans):
        pods.append(_host_pod(f"kindnet-{suffixes[index]}", {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}, "kindnet-cni", KINDNET_IMAGE, plan.name))
        pods.append(_host_pod(f"kube-proxy-{suffixes[index + 3]}", {"k8s-app": "kube-proxy"}, "kube-proxy", f"registry.k8s.io/kube-proxy:{KUBERNETES_VERSION}", plan.name))
    return pods


def _host_pod(name: str, labels: dict[str, str], container: str, image: str, node_name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
        "spec": {
            "nodeName": node_name,
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": container, "image": image}],
        },
    }
