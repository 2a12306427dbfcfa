"""Protobuf schema of the API objects kubectl's typed clients send, for ``protobuf.py``.

Field numbers are copied from the Kubernetes ``generated.proto`` files (v1.35 line):
``k8s.io/api/core/v1``, ``k8s.io/api/apps/v1``, ``k8s.io/api/discovery/v1``,
``k8s.io/apimachinery/pkg/apis/meta/v1``, ``pkg/runtime``, ``pkg/util/intstr`` and
``pkg/api/resource``. Fields appear in the order of the proto file, which is the Go struct
order, so decoded objects list their keys the way ``encoding/json`` does.

Each field also carries what the Go struct tag and type say, because the decoder must emit
what ``json.Marshal`` of the decoded Go struct would (the body kubectl would have sent as
JSON): ``p`` a Go pointer (present only when set, so ``replicas: 0`` survives), ``a`` no
``omitempty`` (zero values and nil slices are written), ``r`` repeated, ``i`` an embedded
struct inlined into its parent, ``z`` ``omitzero`` (a zero metav1.Time is left out rather
than written as ``null``; ObjectMeta.creationTimestamp). Non-pointer structs are always
written: ``omitempty`` does not apply to structs.

Kinds: scalar ``string int32 int64 bool bytes``; ``map:<value kind>`` for proto map
entries; the wrapper types ``IntOrString Quantity Time MicroTime Duration RawExtension``;
any other kind names a message of ``MESSAGES``. Unknown field numbers are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

SCALARS = frozenset({"string", "int32", "int64", "bool", "bytes"})
WRAPPERS = frozenset({"IntOrString", "Quantity", "Time", "MicroTime", "Duration", "RawExtension"})


@dataclass(frozen=True)
class FieldSpec:
    """One protobuf field and how its Go counterpart serializes to JSON."""

    number: int
    name: str
    kind: str
    repeated: bool = False
    pointer: bool = False
    omitempty: bool = True
    inline: bool = False
    omitzero: bool = False

    @property
    def is_map(self) -> bool:
        return self.kind.startswith("map:")

    @property
    def map_value(self) -> str:
        return self.kind[4:]


Message = dict[int, FieldSpec]


def _message(*fields: tuple[int, str, str] | tuple[int, str, str, str]) -> Message:
    out: Message = {}
    for entry in fields:
        number, name, kind = entry[0], entry[1], entry[2]
        flags = entry[3] if len(entry) > 3 else ""  # type: ignore[misc]
        out[number] = FieldSpec(number, name, kind, repeated="r" in flags, pointer="p" in flags, omitempty="a" not in flags, inline="i" in flags, omitzero="z" in flags)
    return out


M = _message

MESSAGES: dict[str, Message] = {
    # ---- runtime / meta.k8s.io/v1 ---------------------------------------------------------
    "Unknown": M((1, "typeMeta", "TypeMeta"), (2, "raw", "bytes"), (3, "contentEncoding", "string"), (4, "contentType", "string")),
    "TypeMeta": M((1, "apiVersion", "string"), (2, "kind", "string")),
    "ObjectMeta": M(
        (1, "name", "string"),
        (2, "generateName", "string"),
        (3, "namespace", "string"),
        (4, "selfLink", "string"),
        (5, "uid", "string"),
        (6, "resourceVersion", "string"),
        (7, "generation", "int64"),
        (8, "creationTimestamp", "Time", "z"),
        (9, "deletionTimestamp", "Time", "p"),
        (10, "deletionGracePeriodSeconds", "int64", "p"),
        (11, "labels", "map:string"),
        (12, "annotations", "map:string"),
        (13, "ownerReferences", "OwnerReference", "r"),
        (14, "finalizers", "string", "r"),
    ),
    "OwnerReference": M(
        (5, "apiVersion", "string", "a"),
        (1, "kind", "string", "a"),
        (3, "name", "string", "a"),
        (4, "uid", "string", "a"),
        (6, "controller", "bool", "p"),
        (7, "blockOwnerDeletion", "bool", "p"),
    ),
    "LabelSelector": M((1, "matchLabels", "map:string"), (2, "matchExpressions", "LabelSelectorRequirement", "r")),
    "LabelSelectorRequirement": M((1, "key", "string", "a"), (2, "operator", "string", "a"), (3, "values", "string", "r")),
    "DeleteOptions": M(
        (1, "gracePeriodSeconds", "int64", "p"),
        (2, "preconditions", "Preconditions", "p"),
        (3, "orphanDependents", "bool", "p"),
        (4, "propagationPolicy", "string", "p"),
        (5, "dryRun", "string", "r"),
    ),
    "Preconditions": M((1, "uid", "string", "p")),
    # ---- core/v1: namespaces, config, service accounts ----------------------------------------
    "Namespace": M((1, "metadata", "ObjectMeta"), (2, "spec", "NamespaceSpec"), (3, "status", "NamespaceStatus")),
    "NamespaceSpec": M((1, "finalizers", "string", "r")),
    "NamespaceStatus": M((1, "phase", "string"), (2, "conditions", "NamespaceCondition", "r")),
    "NamespaceCondition": M(
        (1, "type", "string", "a"),
        (2, "status", "string", "a"),
        (4, "lastTransitionTime", "Time"),
        (5, "reason", "string"),
        (6, "message", "string"),
    ),
    "ConfigMap": M((1, "metadata", "ObjectMeta"), (4, "immutable", "bool", "p"), (2, "data", "map:string"), (3, "binaryData", "map:bytes")),
    "Secret": M(
        (1, "metadata", "ObjectMeta"),
        (5, "immutable", "bool", "p"),
        (2, "data", "map:bytes"),
        (4, "stringData", "map:string"),
        (3, "type", "string"),
    ),
    "ServiceAccount": M(
        (1, "metadata", "ObjectMeta"),
        (2, "secrets", "ObjectReference", "r"),
        (3, "imagePullSecrets", "LocalObjectReference", "r"),
        (4, "automountServiceAccountToken", "bool", "p"),
    ),
    "ObjectReference": M(
        (1, "kind", "string"),
        (2, "namespace", "string"),
        (3, "name", "string"),
        (4, "uid", "string"),
        (5, "apiVersion", "string"),
        (6, "resourceVersion", "string"),
        (7, "fieldPath", "string"),
    ),
    "LocalObjectReference": M((1, "name", "string")),
    "Event": M(
        (1, "metadata", "ObjectMeta"),
        (2, "involvedObject", "ObjectReference"),
        (3, "reason", "string"),
        (4, "message", "string"),
        (5, "source", "EventSource"),
        (6, "firstTimestamp", "Time"),
        (7, "lastTimestamp", "Time"),
        (8, "count", "int32"),
        (9, "type", "string"),
        (10, "eventTime", "MicroTime"),
        (11, "series", "EventSeries", "p"),
        (12, "action", "string"),
        (13, "related", "ObjectReference", "p"),
        (14, "reportingComponent", "string", "a"),
        (15, "reportingInstance", "string", "a"),
    ),
    "EventSource": M((1, "component", "string"), (2, "host", "string")),
    "EventSeries": M((1, "count", "int32"), (2, "lastObservedTime", "MicroTime")),
    # ---- core/v1: services -------------------------------------------------------------------
    "Service": M((1, "metadata", "ObjectMeta"), (2, "spec", "ServiceSpec"), (3, "status", "ServiceStatus")),
    "ServiceSpec": M(
        (1, "ports", "ServicePort", "r"),
        (2, "selector", "map:string"),
        (3, "clusterIP", "string"),
        (18, "clusterIPs", "string", "r"),
        (4, "type", "string"),
        (5, "externalIPs", "string", "r"),
        (7, "sessionAffinity", "string"),
        (8, "loadBalancerIP", "string"),
        (9, "loadBalancerSourceRanges", "string", "r"),
        (10, "externalName", "string"),
        (11, "externalTrafficPolicy", "string"),
        (12, "healthCheckNodePort", "int32"),
        (13, "publishNotReadyAddresses", "bool"),
        (14, "sessionAffinityConfig", "SessionAffinityConfig", "p"),
        (19, "ipFamilies", "string", "r"),
        (17, "ipFamilyPolicy", "string", "p"),
        (20, "allocateLoadBalancerNodePorts", "bool", "p"),
        (21, "loadBalancerClass", "string", "p"),
        (22, "internalTrafficPolicy", "string", "p"),
        (23, "trafficDistribution", "string", "p"),
    ),
    "ServicePort": M(
        (1, "name", "string"),
        (2, "protocol", "string"),
        (6, "appProtocol", "string", "p"),
        (3, "port", "int32", "a"),
        (4, "targetPort", "IntOrString"),
        (5, "nodePort", "int32"),
    ),
    "SessionAffinityConfig": M((1, "clientIP", "ClientIPConfig", "p")),
    "ClientIPConfig": M((1, "timeoutSeconds", "int32", "p")),
    "ServiceStatus": M((1, "loadBalancer", "LoadBalancerStatus")),
    "LoadBalancerStatus": M((1, "ingress", "LoadBalancerIngress", "r")),
    "LoadBalancerIngress": M((1, "ip", "string"), (2, "hostname", "string"), (3, "ipMode", "string", "p"), (4, "ports", "PortStatus", "r")),
    "PortStatus": M((1, "port", "int32", "a"), (2, "protocol", "string", "a"), (3, "error", "string", "p")),
    "Endpoints": M((1, "metadata", "ObjectMeta"), (2, "subsets", "EndpointSubset", "r")),
    "EndpointSubset": M((1, "addresses", "EndpointAddress", "r"), (2, "notReadyAddresses", "EndpointAddress", "r"), (3, "ports", "CoreEndpointPort", "r")),
    "EndpointAddress": M((1, "ip", "string", "a"), (3, "hostname", "string"), (4, "nodeName", "string", "p"), (2, "targetRef", "ObjectReference", "p")),
    "CoreEndpointPort": M((1, "name", "string"), (2, "port", "int32", "a"), (3, "protocol", "string"), (4, "appProtocol", "string", "p")),
    # ---- core/v1: pods -----------------------------------------------------------------------
    "Pod": M((1, "metadata", "ObjectMeta"), (2, "spec", "PodSpec"), (3, "status", "PodStatus")),
    "PodTemplateSpec": M((1, "metadata", "ObjectMeta"), (2, "spec", "PodSpec")),
    "PodSpec": M(
        (1, "volumes", "Volume", "r"),
        (20, "initContainers", "Container", "r"),
        (2, "containers", "Container", "ra"),
        (3, "restartPolicy", "string"),
        (4, "terminationGracePeriodSeconds", "int64", "p"),
        (5, "activeDeadlineSeconds", "int64", "p"),
        (6, "dnsPolicy", "string"),
        (7, "nodeSelector", "map:string"),
        (8, "serviceAccountName", "string"),
        (9, "serviceAccount", "string"),
        (21, "automountServiceAccountToken", "bool", "p"),
        (10, "nodeName", "string"),
        (11, "hostNetwork", "bool"),
        (12, "hostPID", "bool"),
        (13, "hostIPC", "bool"),
        (27, "shareProcessNamespace", "bool", "p"),
        (14, "securityContext", "PodSecurityContext", "p"),
        (15, "imagePullSecrets", "LocalObjectReference", "r"),
        (16, "hostname", "string"),
        (17, "subdomain", "string"),
        (18, "affinity", "Affinity", "p"),
        (19, "schedulerName", "string"),
        (22, "tolerations", "Toleration", "r"),
        (23, "hostAliases", "HostAlias", "r"),
        (24, "priorityClassName", "string"),
        (25, "priority", "int32", "p"),
        (26, "dnsConfig", "PodDNSConfig", "p"),
        (28, "readinessGates", "PodReadinessGate", "r"),
        (29, "runtimeClassName", "string", "p"),
        (30, "enableServiceLinks", "bool", "p"),
        (31, "preemptionPolicy", "string", "p"),
        (32, "overhead", "map:Quantity"),
        (33, "topologySpreadConstraints", "TopologySpreadConstraint", "r"),
        (35, "setHostnameAsFQDN", "bool", "p"),
        (36, "os", "PodOS", "p"),
        (37, "hostUsers", "bool", "p"),
        (38, "schedulingGates", "PodSchedulingGate", "r"),
        (40, "resources", "ResourceRequirements", "p"),
        (41, "hostnameOverride", "string", "p"),
    ),
    "Container": M(
        (1, "name", "string", "a"),
        (2, "image", "string"),
        (3, "command", "string", "r"),
        (4, "args", "string", "r"),
        (5, "workingDir", "string"),
        (6, "ports", "ContainerPort", "r"),
        (19, "envFrom", "EnvFromSource", "r"),
        (7, "env", "EnvVar", "r"),
        (8, "resources", "ResourceRequirements"),
        (23, "resizePolicy", "ContainerResizePolicy", "r"),
        (24, "restartPolicy", "string", "p"),
        (9, "volumeMounts", "VolumeMount", "r"),
        (21, "volumeDevices", "VolumeDevice", "r"),
        (10, "livenessProbe", "Probe", "p"),
        (11, "readinessProbe", "Probe", "p"),
        (22, "startupProbe", "Probe", "p"),
        (12, "lifecycle", "Lifecycle", "p"),
        (13, "terminationMessagePath", "string"),
        (20, "terminationMessagePolicy", "string"),
        (14, "imagePullPolicy", "string"),
        (15, "securityContext", "SecurityContext", "p"),
        (16, "stdin", "bool"),
        (17, "stdinOnce", "bool"),
        (18, "tty", "bool"),
    ),
    "ContainerPort": M((1, "name", "string"), (2, "hostPort", "int32"), (3, "containerPort", "int32", "a"), (4, "protocol", "string"), (5, "hostIP", "string")),
    "ContainerResizePolicy": M((1, "resourceName", "string", "a"), (2, "restartPolicy", "string", "a")),
    "VolumeDevice": M((1, "name", "string", "a"), (2, "devicePath", "string", "a")),
    "EnvFromSource": M((1, "prefix", "string"), (2, "configMapRef", "ConfigMapEnvSource", "p"), (3, "secretRef", "SecretEnvSource", "p")),
    "ConfigMapEnvSource": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "optional", "bool", "p")),
    "SecretEnvSource": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "optional", "bool", "p")),
    "EnvVar": M((1, "name", "string", "a"), (2, "value", "string"), (3, "valueFrom", "EnvVarSource", "p")),
    "EnvVarSource": M(
        (1, "fieldRef", "ObjectFieldSelector", "p"),
        (2, "resourceFieldRef", "ResourceFieldSelector", "p"),
        (3, "configMapKeyRef", "ConfigMapKeySelector", "p"),
        (4, "secretKeyRef", "SecretKeySelector", "p"),
    ),
    "ObjectFieldSelector": M((1, "apiVersion", "string"), (2, "fieldPath", "string", "a")),
    "ResourceFieldSelector": M((1, "containerName", "string"), (2, "resource", "string", "a"), (3, "divisor", "Quantity")),
    "ConfigMapKeySelector": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "key", "string", "a"), (3, "optional", "bool", "p")),
    "SecretKeySelector": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "key", "string", "a"), (3, "optional", "bool", "p")),
    "ResourceRequirements": M((1, "limits", "map:Quantity"), (2, "requests", "map:Quantity"), (3, "claims", "ResourceClaim", "r")),
    "ResourceClaim": M((1, "name", "string", "a"), (2, "request", "string")),
    "VolumeMount": M(
        (1, "name", "string", "a"),
        (2, "readOnly", "bool"),
        (7, "recursiveReadOnly", "string", "p"),
        (3, "mountPath", "string", "a"),
        (4, "subPath", "string"),
        (5, "mountPropagation", "string", "p"),
        (6, "subPathExpr", "string"),
    ),
    "Probe": M(
        (1, "handler", "ProbeHandler", "i"),
        (2, "initialDelaySeconds", "int32"),
        (3, "timeoutSeconds", "int32"),
        (4, "periodSeconds", "int32"),
        (5, "successThreshold", "int32"),
        (6, "failureThreshold", "int32"),
        (7, "terminationGracePeriodSeconds", "int64", "p"),
    ),
    "ProbeHandler": M(
        (1, "exec", "ExecAction", "p"),
        (2, "httpGet", "HTTPGetAction", "p"),
        (3, "tcpSocket", "TCPSocketAction", "p"),
        (4, "grpc", "GRPCAction", "p"),
    ),
    "ExecAction": M((1, "command", "string", "r")),
    "HTTPGetAction": M(
        (1, "path", "string"),
        (2, "port", "IntOrString", "a"),
        (3, "host", "string"),
        (4, "scheme", "string"),
        (5, "httpHeaders", "HTTPHeader", "r"),
    ),
    "HTTPHeader": M((1, "name", "string", "a"), (2, "value", "string", "a")),
    "TCPSocketAction": M((1, "port", "IntOrString", "a"), (2, "host", "string")),
    "GRPCAction": M((1, "port", "int32", "a"), (2, "service", "string", "p")),
    "Lifecycle": M((1, "postStart", "LifecycleHandler", "p"), (2, "preStop", "LifecycleHandler", "p"), (3, "stopSignal", "string", "p")),
    "LifecycleHandler": M(
        (1, "exec", "ExecAction", "p"),
        (2, "httpGet", "HTTPGetAction", "p"),
        (3, "tcpSocket", "TCPSocketAction", "p"),
        (4, "sleep", "SleepAction", "p"),
    ),
    "SleepAction": M((1, "seconds", "int64", "a")),
    "SecurityContext": M(
        (1, "capabilities", "Capabilities", "p"),
        (2, "privileged", "bool", "p"),
        (3, "seLinuxOptions", "SELinuxOptions", "p"),
        (10, "windowsOptions", "WindowsSecurityContextOptions", "p"),
        (4, "runAsUser", "int64", "p"),
        (8, "runAsGroup", "int64", "p"),
        (5, "runAsNonRoot", "bool", "p"),
        (6, "readOnlyRootFilesystem", "bool", "p"),
        (7, "allowPrivilegeEscalation", "bool", "p"),
        (9, "procMount", "string", "p"),
        (11, "seccompProfile", "SeccompProfile", "p"),
    ),
    "PodSecurityContext": M(
        (1, "seLinuxOptions", "SELinuxOptions", "p"),
        (8, "windowsOptions", "WindowsSecurityContextOptions", "p"),
        (2, "runAsUser", "int64", "p"),
        (6, "runAsGroup", "int64", "p"),
        (3, "runAsNonRoot", "bool", "p"),
        (4, "supplementalGroups", "int64", "r"),
        (12, "supplementalGroupsPolicy", "string", "p"),
        (5, "fsGroup", "int64", "p"),
        (7, "sysctls", "Sysctl", "r"),
        (9, "fsGroupChangePolicy", "string", "p"),
        (10, "seccompProfile", "SeccompProfile", "p"),
        (13, "seLinuxChangePolicy", "string", "p"),
    ),
    "Capabilities": M((1, "add", "string", "r"), (2, "drop", "string", "r")),
    "SELinuxOptions": M((1, "user", "string"), (2, "role", "string"), (3, "type", "string"), (4, "level", "string")),
    "WindowsSecurityContextOptions": M(
        (1, "gmsaCredentialSpecName", "string", "p"),
        (2, "gmsaCredentialSpec", "string", "p"),
        (3, "runAsUserName", "string", "p"),
        (4, "hostProcess", "bool", "p"),
    ),
    "SeccompProfile": M((1, "type", "string", "a"), (2, "localhostProfile", "string", "p")),
    "Sysctl": M((1, "name", "string", "a"), (2, "value", "string", "a")),
    "Volume": M((1, "name", "string", "a"), (2, "volumeSource", "VolumeSource", "i")),
    "VolumeSource": M(
        (1, "hostPath", "HostPathVolumeSource", "p"),
        (2, "emptyDir", "EmptyDirVolumeSource", "p"),
        (6, "secret", "SecretVolumeSource", "p"),
        (10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource", "p"),
        (16, "downwardAPI", "DownwardAPIVolumeSource", "p"),
        (19, "configMap", "ConfigMapVolumeSource", "p"),
        (26, "projected", "ProjectedVolumeSource", "p"),
    ),
    "HostPathVolumeSource": M((1, "path", "string", "a"), (2, "type", "string", "p")),
    "EmptyDirVolumeSource": M((1, "medium", "string"), (2, "sizeLimit", "Quantity", "p")),
    "SecretVolumeSource": M((1, "secretName", "string"), (2, "items", "KeyToPath", "r"), (3, "defaultMode", "int32", "p"), (4, "optional", "bool", "p")),
    "ConfigMapVolumeSource": M(
        (1, "localObjectReference", "LocalObjectReference", "i"),
        (2, "items", "KeyToPath", "r"),
        (3, "defaultMode", "int32", "p"),
        (4, "optional", "bool", "p"),
    ),
    "KeyToPath": M((1, "key", "string", "a"), (2, "path", "string", "a"), (3, "mode", "int32", "p")),
    "PersistentVolumeClaimVolumeSource": M((1, "claimName", "string", "a"), (2, "readOnly", "bool")),
    "DownwardAPIVolumeSource": M((1, "items", "DownwardAPIVolumeFile", "r"), (2, "defaultMode", "int32", "p")),
    "DownwardAPIVolumeFile": M(
        (1, "path", "string", "a"),
        (2, "fieldRef", "ObjectFieldSelector", "p"),
        (3, "resourceFieldRef", "ResourceFieldSelector", "p"),
        (4, "mode", "int32", "p"),
    ),
    "ProjectedVolumeSource": M((1, "sources", "VolumeProjection", "ra"), (2, "defaultMode", "int32", "p")),
    "VolumeProjection": M(
        (1, "secret", "SecretProjection", "p"),
        (2, "downwardAPI", "DownwardAPIProjection", "p"),
        (3, "configMap", "ConfigMapProjection", "p"),
        (4, "serviceAccountToken", "ServiceAccountTokenProjection", "p"),
    ),
    "SecretProjection": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "items", "KeyToPath", "r"), (4, "optional", "bool", "p")),
    "ConfigMapProjection": M((1, "localObjectReference", "LocalObjectReference", "i"), (2, "items", "KeyToPath", "r"), (4, "optional", "bool", "p")),
    "DownwardAPIProjection": M((1, "items", "DownwardAPIVolumeFile", "r")),
    "ServiceAccountTokenProjection": M((1, "audience", "string"), (2, "expirationSeconds", "int64", "p"), (3, "path", "string", "a")),
    "Affinity": M((1, "nodeAffinity", "NodeAffinity", "p"), (2, "podAffinity", "PodAffinity", "p"), (3, "podAntiAffinity", "PodAffinity", "p")),
    "NodeAffinity": M(
        (1, "requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector", "p"),
        (2, "preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm", "r"),
    ),
    "NodeSelector": M((1, "nodeSelectorTerms", "NodeSelectorTerm", "ra")),
    "NodeSelectorTerm": M((1, "matchExpressions", "NodeSelectorRequirement", "r"), (2, "matchFields", "NodeSelectorRequirement", "r")),
    "NodeSelectorRequirement": M((1, "key", "string", "a"), (2, "operator", "string", "a"), (3, "values", "string", "r")),
    "PreferredSchedulingTerm": M((1, "weight", "int32", "a"), (2, "preference", "NodeSelectorTerm")),
    # PodAntiAffinity has the same two fields as PodAffinity.
    "PodAffinity": M(
        (1, "requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", "r"),
        (2, "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", "r"),
    ),
    "PodAffinityTerm": M(
        (1, "labelSelector", "LabelSelector", "p"),
        (2, "namespaces", "string", "r"),
        (3, "topologyKey", "string", "a"),
        (4, "namespaceSelector", "LabelSelector", "p"),
        (5, "matchLabelKeys", "string", "r"),
        (6, "mismatchLabelKeys", "string", "r"),
    ),
    "WeightedPodAffinityTerm": M((1, "weight", "int32", "a"), (2, "podAffinityTerm", "PodAffinityTerm")),
    # Node (fields the embedded cluster does not model, such as configSource, are left out: their
    # numbers are skipped when decoding and their JSON is kept as sent)
    "Node": M((1, "metadata", "ObjectMeta"), (2, "spec", "NodeSpec"), (3, "status", "NodeStatus")),
    "NodeSpec": M(
        (1, "podCIDR", "string"),
        (7, "podCIDRs", "string", "r"),
        (3, "providerID", "string"),
        (4, "unschedulable", "bool"),
        (5, "taints", "Taint", "r"),
        (2, "externalID", "string"),
    ),
    "Taint": M((1, "key", "string", "a"), (2, "value", "string"), (3, "effect", "string", "a"), (4, "timeAdded", "Time", "p")),
    "NodeStatus": M(
        (1, "capacity", "map:Quantity"),
        (2, "allocatable", "map:Quantity"),
        (3, "phase", "string"),
        (4, "conditions", "NodeCondition", "r"),
        (5, "addresses", "NodeAddress", "r"),
        (6, "daemonEndpoints", "NodeDaemonEndpoints"),
        (7, "nodeInfo", "NodeSystemInfo"),
        (8, "images", "ContainerImage", "r"),
        (9, "volumesInUse", "string", "r"),
        (14, "declaredFeatures", "string", "r"),
    ),
    "NodeCondition": M(
        (1, "type", "string", "a"),
        (2, "status", "string", "a"),
        (3, "lastHeartbeatTime", "Time"),
        (4, "lastTransitionTime", "Time"),
        (5, "reason", "string"),
        (6, "message", "string"),
    ),
    "NodeAddress": M((1, "type", "string", "a"), (2, "address", "string", "a")),
    "NodeDaemonEndpoints": M((1, "kubeletEndpoint", "DaemonEndpoint")),
    "DaemonEndpoint": M((1, "Port", "int32", "a")),
    "NodeSystemInfo": M(
        (1, "machineID", "string", "a"),
        (2, "systemUUID", "string", "a"),
        (3, "bootID", "string", "a"),
        (4, "kernelVersion", "string", "a"),
        (5, "osImage", "string", "a"),
        (6, "containerRuntimeVersion", "string", "a"),
        (7, "kubeletVersion", "string", "a"),
        (8, "kubeProxyVersion", "string", "a"),
        (9, "operatingSystem", "string", "a"),
        (10, "architecture", "string", "a"),
    ),
    "ContainerImage": M((1, "names", "string", "r"), (2, "sizeBytes", "int64")),
    "Toleration": M((1, "key", "string"), (2, "operator", "string"), (3, "value", "string"), (4, "effect", "string"), (5, "tolerationSeconds", "int64", "p")),
    "HostAlias": M((1, "ip", "string", "a"), (2, "hostnames", "string", "r")),
    "PodDNSConfig": M((1, "nameservers", "string", "r"), (2, "searches", "string", "r"), (3, "options", "PodDNSConfigOption", "r")),
    "PodDNSConfigOption": M((1, "name", "string"), (2, "value", "string", "p")),
    "PodReadinessGate": M((1, "conditionType", "string", "a")),
    "TopologySpreadConstraint": M(
        (1, "maxSkew", "int32", "a"),
        (2, "topologyKey", "string", "a"),
        (3, "whenUnsatisfiable", "string", "a"),
        (4, "labelSelector", "LabelSelector", "p"),
        (5, "minDomains", "int32", "p"),
        (6, "nodeAffinityPolicy", "string", "p"),
        (7, "nodeTaintsPolicy", "string", "p"),
        (8, "matchLabelKeys", "string", "r"),
    ),
    "PodOS": M((1, "name", "string", "a")),
    "PodSchedulingGate": M((1, "name", "string", "a")),
    "PodStatus": M(
        (17, "observedGeneration", "int64"),
        (1, "phase", "string"),
        (2, "conditions", "PodCondition", "r"),
        (3, "message", "string"),
        (4, "reason", "string"),
        (11, "nominatedNodeName", "string"),
        (5, "hostIP", "string"),
        (16, "hostIPs", "HostIP", "r"),
        (6, "podIP", "string"),
        (12, "podIPs", "PodIP", "r"),
        (7, "startTime", "Time", "p"),
        (9, "qosClass", "string"),
    ),
    "PodCondition": M(
        (1, "type", "string", "a"),
        (7, "observedGeneration", "int64"),
        (2, "status", "string", "a"),
        (3, "lastProbeTime", "Time"),
        (4, "lastTransitionTime", "Time"),
        (5, "reason", "string"),
        (6, "message", "string"),
    ),
    "PodIP": M((1, "ip", "string", "a")),
    "HostIP": M((1, "ip", "string", "a")),
    "PersistentVolumeClaim": M((1, "metadata", "ObjectMeta"), (2, "spec", "PersistentVolumeClaimSpec"), (3, "status", "PersistentVolumeClaimStatus")),
    "PersistentVolumeClaimSpec": M(
        (1, "accessModes", "string", "r"),
        (4, "selector", "LabelSelector", "p"),
        (2, "resources", "VolumeResourceRequirements"),
        (3, "volumeName", "string"),
        (5, "storageClassName", "string", "p"),
        (6, "volumeMode", "string", "p"),
        (9, "volumeAttributesClassName", "string", "p"),
    ),
    "VolumeResourceRequirements": M((1, "limits", "map:Quantity"), (2, "requests", "map:Quantity")),
    "PersistentVolumeClaimStatus": M((1, "phase", "string"), (2, "accessModes", "string", "r"), (3, "capacity", "map:Quantity")),
    # ---- apps/v1 -----------------------------------------------------------------------------
    "Deployment": M((1, "metadata", "ObjectMeta"), (2, "spec", "DeploymentSpec"), (3, "status", "DeploymentStatus")),
    "DeploymentSpec": M(
        (1, "replicas", "int32", "p"),
        (2, "selector", "LabelSelector", "p"),
        (3, "template", "PodTemplateSpec"),
        (4, "strategy", "DeploymentStrategy"),
        (5, "minReadySeconds", "int32"),
        (6, "revisionHistoryLimit", "int32", "p"),
        (7, "paused", "bool"),
        (9, "progressDeadlineSeconds", "int32", "p"),
        (10, "podReplacementPolicy", "string", "p"),
    ),
    "DeploymentStrategy": M((1, "type", "string"), (2, "rollingUpdate", "RollingUpdateDeployment", "p")),
    "RollingUpdateDeployment": M((1, "maxUnavailable", "IntOrString", "p"), (2, "maxSurge", "IntOrString", "p")),
    "DeploymentStatus": M(
        (1, "observedGeneration", "int64"),
        (2, "replicas", "int32"),
        (3, "updatedReplicas", "int32"),
        (7, "readyReplicas", "int32"),
        (4, "availableReplicas", "int32"),
        (5, "unavailableReplicas", "int32"),
        (9, "terminatingReplicas", "int32", "p"),
        (6, "conditions", "DeploymentCondition", "r"),
        (8, "collisionCount", "int32", "p"),
    ),
    "DeploymentCondition": M(
        (1, "type", "string", "a"),
        (2, "status", "string", "a"),
        (6, "lastUpdateTime", "Time"),
        (7, "lastTransitionTime", "Time"),
        (4, "reason", "string"),
        (5, "message", "string"),
    ),
    "ReplicaSet": M((1, "metadata", "ObjectMeta"), (2, "spec", "ReplicaSetSpec"), (3, "status", "ReplicaSetStatus")),
    "ReplicaSetSpec": M(
        (1, "replicas", "int32", "p"),
        (4, "minReadySeconds", "int32"),
        (2, "selector", "LabelSelector", "p"),
        (3, "template", "PodTemplateSpec"),
    ),
    "ReplicaSetStatus": M(
        (1, "replicas", "int32", "a"),
        (2, "fullyLabeledReplicas", "int32"),
        (4, "readyReplicas", "int32"),
        (5, "availableReplicas", "int32"),
        (7, "terminatingReplicas", "int32", "p"),
        (3, "observedGeneration", "int64"),
        (6, "conditions", "WorkloadCondition", "r"),
    ),
    # ReplicaSetCondition and StatefulSetCondition share these five fields and numbers.
    "WorkloadCondition": M(
        (1, "type", "string", "a"),
        (2, "status", "string", "a"),
        (3, "lastTransitionTime", "Time"),
        (4, "reason", "string"),
        (5, "message", "string"),
    ),
    "StatefulSet": M((1, "metadata", "ObjectMeta"), (2, "spec", "StatefulSetSpec"), (3, "status", "StatefulSetStatus")),
    "StatefulSetSpec": M(
        (1, "replicas", "int32", "p"),
        (2, "selector", "LabelSelector", "p"),
        (3, "template", "PodTemplateSpec"),
        (4, "volumeClaimTemplates", "PersistentVolumeClaim", "r"),
        (5, "serviceName", "string"),
        (6, "podManagementPolicy", "string"),
        (7, "updateStrategy", "StatefulSetUpdateStrategy"),
        (8, "revisionHistoryLimit", "int32", "p"),
        (9, "minReadySeconds", "int32"),
        (10, "persistentVolumeClaimRetentionPolicy", "StatefulSetPersistentVolumeClaimRetentionPolicy", "p"),
        (11, "ordinals", "StatefulSetOrdinals", "p"),
    ),
    "StatefulSetUpdateStrategy": M((1, "type", "string"), (2, "rollingUpdate", "RollingUpdateStatefulSetStrategy", "p")),
    "RollingUpdateStatefulSetStrategy": M((1, "partition", "int32", "p"), (2, "maxUnavailable", "IntOrString", "p")),
    "StatefulSetPersistentVolumeClaimRetentionPolicy": M((1, "whenDeleted", "string"), (2, "whenScaled", "string")),
    "StatefulSetOrdinals": M((1, "start", "int32", "a")),
    "StatefulSetStatus": M(
        (1, "observedGeneration", "int64"),
        (2, "replicas", "int32", "a"),
        (3, "readyReplicas", "int32"),
        (4, "currentReplicas", "int32"),
        (5, "updatedReplicas", "int32"),
        (6, "currentRevision", "string"),
        (7, "updateRevision", "string"),
        (9, "collisionCount", "int32", "p"),
        (10, "conditions", "WorkloadCondition", "r"),
        (11, "availableReplicas", "int32", "a"),
    ),
    "ControllerRevision": M((1, "metadata", "ObjectMeta"), (2, "data", "RawExtension"), (3, "revision", "int64", "a")),
    # ---- autoscaling/v1 ----------------------------------------------------------------------
    "Scale": M((1, "metadata", "ObjectMeta"), (2, "spec", "ScaleSpec"), (3, "status", "ScaleStatus")),
    "ScaleSpec": M((1, "replicas", "int32")),
    "ScaleStatus": M((1, "replicas", "int32", "a"), (2, "selector", "string")),
    # ---- discovery.k8s.io/v1 -----------------------------------------------------------------
    "EndpointSlice": M(
        (1, "metadata", "ObjectMeta"),
        (4, "addressType", "string", "a"),
        (2, "endpoints", "Endpoint", "ra"),
        (3, "ports", "EndpointPort", "r"),
    ),
    "Endpoint": M(
        (1, "addresses", "string", "ra"),
        (2, "conditions", "EndpointConditions"),
        (3, "hostname", "string", "p"),
        (4, "targetRef", "ObjectReference", "p"),
        (5, "deprecatedTopology", "map:string"),
        (6, "nodeName", "string", "p"),
        (7, "zone", "string", "p"),
        (8, "hints", "EndpointHints", "p"),
    ),
    "EndpointConditions": M((1, "ready", "bool", "p"), (2, "serving", "bool", "p"), (3, "terminating", "bool", "p")),
    "EndpointHints": M((1, "forZones", "ForZone", "r")),
    "ForZone": M((1, "name", "string", "a")),
    "EndpointPort": M((1, "name", "string", "p"), (2, "protocol", "string", "p"), (3, "port", "int32", "p"), (4, "appProtocol", "string", "p")),
    # ---- wrapper types: decoded specially by protobuf.py -------------------------------------
    "IntOrString": M((1, "type", "int64"), (2, "intVal", "int32"), (3, "strVal", "string")),
    "Quantity": M((1, "string", "string")),
    "Timestamp": M((1, "seconds", "int64"), (2, "nanos", "int32")),
    "Duration": M((1, "duration", "int64")),
    "RawExtension": M((1, "raw", "bytes")),
}

# ---- authentication.k8s.io/v1 (k8s.io/api/authentication/v1/generated.proto): `kubectl create token`
MESSAGES.update({
    "TokenRequest": M((1, "metadata", "ObjectMeta"), (2, "spec", "TokenRequestSpec"), (3, "status", "TokenRequestStatus")),
    "TokenRequestSpec": M((1, "audiences", "string", "ra"), (4, "expirationSeconds", "int64", "pa"), (3, "boundObjectRef", "BoundObjectReference", "pa")),
    "BoundObjectReference": M((1, "kind", "string"), (2, "apiVersion", "string"), (3, "name", "string"), (4, "uid", "string")),
    "TokenRequestStatus": M((1, "token", "string", "a"), (2, "expirationTimestamp", "Time", "a")),
})

# (apiVersion, kind) of a request body -> message name. DeleteOptions is accepted in any version.
KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("v1", "Service"): "Service",
    ("v1", "Endpoints"): "Endpoints",
    ("v1", "Pod"): "Pod",
    ("v1", "Node"): "Node",
    ("v1", "PersistentVolumeClaim"): "PersistentVolumeClaim",
    ("apps/v1", "Deployment"): "Deployment",
    ("apps/v1", "ReplicaSet"): "ReplicaSet",
    ("apps/v1", "StatefulSet"): "StatefulSet",
    ("apps/v1", "ControllerRevision"): "ControllerRevision",
    ("v1", "Event"): "Event",
    ("autoscaling/v1", "Scale"): "Scale",
    ("discovery.k8s.io/v1", "EndpointSlice"): "EndpointSlice",
    ("authentication.k8s.io/v1", "TokenRequest"): "TokenRequest",
}
ANY_VERSION_KINDS: dict[str, str] = {"DeleteOptions": "DeleteOptions"}


def message_for(api_version: str, kind: str) -> str | None:
    """The message name a body of this apiVersion/kind decodes as, or None."""
    return KINDS.get((api_version, kind)) or ANY_VERSION_KINDS.get(kind)


def _check() -> None:
    """Every message a field names exists (fails at import, not at the first request)."""
    for name, fields in MESSAGES.items():
        for spec in fields.values():
            kind = spec.map_value if spec.is_map else spec.kind
            if kind not in SCALARS and kind not in WRAPPERS and kind not in MESSAGES:
                raise AssertionError(f"{name}.{spec.name}: unknown kind {kind}")


_check()
