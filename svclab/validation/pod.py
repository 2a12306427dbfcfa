"""Pod and pod template validation: the parts of ValidatePodSpec the course exercises.

Mirrors pkg/apis/core/validation/validation.go (v1.35): containers, ports, probes,
volumes and mounts, env names, restart/DNS policy, hostname/subdomain, and
ValidatePodUpdate's immutability rule.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from svclab.validation import field as f
from svclab.validation import messages as m
from svclab.validation.errors import Cause
from svclab.validation.govalue import GoInt
from svclab.validation.meta import validate_annotations, validate_labels, validate_object_meta, validate_object_meta_update
from svclab.validation.names import (
    is_dns1123_label,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
)
from svclab.validation.service import PROTOCOLS, validate_port_num_or_name

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
HTTP_SCHEMES = ("HTTP", "HTTPS")
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)
_ENV_VAR_NAME = re.compile(f"^{m.ENV_VAR_NAME_FMT}$")


def _validate_volumes(volumes: list[dict[str, Any]], path: str) -> tuple[set[str], list[Cause]]:
    causes: list[Cause] = []
    names: set[str] = set()
    for i, vol in enumerate(volumes):
        vpath = f"{path}[{i}]"
        sources = [key for key in VOLUME_SOURCES if vol.get(key) is not None]
        if not sources:
            causes.append(f.required(vpath, m.VOLUME_TYPE_REQUIRED))
        for extra in sources[1:]:
            causes.append(f.forbidden(f"{vpath}.{extra}", m.VOLUME_TYPE_MORE_THAN_ONE))
        name = vol.get("name") or ""
        if not name:
            causes.append(f.required(f"{vpath}.name"))
        else:
            causes += [f.invalid(f"{vpath}.name", name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            causes.append(f.duplicate(f"{vpath}.name", name))
        names.add(name)
    return names, causes


def _validate_container_ports(ports: list[dict[str, Any]], path: str) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        ppath = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                causes += [f.invalid(f"{ppath}.name", name, msg) for msg in msgs]
            elif name in names:
                causes.append(f.duplicate(f"{ppath}.name", name))
            else:
                names.add(name)
        container_port = int(port.get("containerPort") or 0)
        if container_port == 0:
            causes.append(f.required(f"{ppath}.containerPort"))
        else:
            causes += [f.invalid(f"{ppath}.containerPort", container_port, msg) for msg in is_valid_port_num(container_port)]
        host_port = int(port.get("hostPort") or 0)
        if host_port:
            causes += [f.invalid(f"{ppath}.hostPort", host_port, msg) for msg in is_valid_port_num(host_port)]
        protocol = port.get("protocol") or ""
        if not protocol:
            causes.append(f.required(f"{ppath}.protocol"))
        elif protocol not in PROTOCOLS:
            causes.append(f.not_supported(f"{ppath}.protocol", protocol, PROTOCOLS))
    return causes


def _validate_env(env: list[dict[str, Any]], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, var in enumerate(env):
        name = var.get("name") or ""
        if not name:
            causes.append(f.required(f"{path}[{i}].name"))
            continue
        if not _ENV_VAR_NAME.fullmatch(name):
            detail = m.regex_error(m.ENV_VAR_NAME_ERR, m.ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1")
            causes.append(f.invalid(f"{path}[{i}].name", name, detail))
    return causes


def _validate_mounts(mounts: list[dict[str, Any]], volumes: set[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts):
        mpath = f"{path}[{i}]"
        name = mount.get("name") or ""
        if not name:
            causes.append(f.required(f"{mpath}.name"))
        if name not in volumes:
            causes.append(f.not_found(f"{mpath}.name", name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            causes.append(f.required(f"{mpath}.mountPath"))
        if mount_path in seen:
            causes.append(f.invalid(f"{mpath}.mountPath", mount_path, m.MOUNT_PATH_UNIQUE))
        seen.add(mount_path)
    return causes


def _validate_handler(handler: dict[str, Any], path: str, kinds: tuple[str, ...]) -> list[Cause]:
    causes: list[Cause] = []
    count = 0
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        if count:
            causes.append(f.forbidden(f"{path}.{kind}", m.HANDLER_MORE_THAN_ONE))
            continue
        count += 1
        if kind == "exec" and not action.get("command"):
            causes.append(f.required(f"{path}.exec.command"))
        elif kind == "httpGet":
            if not action.get("path"):
                causes.append(f.required(f"{path}.httpGet.path"))
            causes += validate_port_num_or_name(action.get("port", 0), f"{path}.httpGet.port")
            scheme = action.get("scheme") or ""
            if scheme not in HTTP_SCHEMES:
                causes.append(f.not_supported(f"{path}.httpGet.scheme", scheme, HTTP_SCHEMES))
        elif kind == "tcpSocket":
            causes += validate_port_num_or_name(action.get("port", 0), f"{path}.tcpSocket.port")
        elif kind == "grpc":
            port = int(action.get("port") or 0)
            causes += [f.invalid(f"{path}.grpc.port", GoInt(port), msg) for msg in is_valid_port_num(port)]
    if count == 0:
        causes.append(f.required(path, m.HANDLER_REQUIRED))
    return causes


def _validate_probe(probe: dict[str, Any] | None, path: str, kind: str) -> list[Cause]:
    if probe is None:
        return []
    causes = _validate_handler(probe, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        value = int(probe.get(key) or 0)
        if value < 0:
            causes.append(f.invalid(f"{path}.{key}", value, m.IS_NEGATIVE))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        causes.append(f.invalid(f"{path}.terminationGracePeriodSeconds", grace, m.MUST_BE_GREATER_THAN_ZERO))
    if kind in ("livenessProbe", "startupProbe") and int(probe.get("successThreshold") or 0) != 1:
        causes.append(f.invalid(f"{path}.successThreshold", int(probe.get("successThreshold") or 0), m.MUST_BE_ONE))
    if kind == "readinessProbe" and grace is not None:
        causes.append(f.invalid(f"{path}.terminationGracePeriodSeconds", grace, m.NOT_SET_FOR_READINESS))
    return causes


def _validate_container_common(ctr: dict[str, Any], volumes: set[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    name = ctr.get("name") or ""
    if not name:
        causes.append(f.required(f"{path}.name"))
    else:
        causes += [f.invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name)]
    if not ctr.get("image"):
        causes.append(f.required(f"{path}.image"))
    policy = ctr.get("terminationMessagePolicy") or ""
    if not policy:
        causes.append(f.required(f"{path}.terminationMessagePolicy"))
    elif policy not in TERMINATION_MESSAGE_POLICIES:
        causes.append(f.not_supported(f"{path}.terminationMessagePolicy", policy, TERMINATION_MESSAGE_POLICIES))
    causes += _validate_container_ports(ctr.get("ports") or [], f"{path}.ports")
    causes += _validate_env(ctr.get("env") or [], f"{path}.env")
    causes += _validate_mounts(ctr.get("volumeMounts") or [], volumes, f"{path}.volumeMounts")
    pull = ctr.get("imagePullPolicy") or ""
    if not pull:
        causes.append(f.required(f"{path}.imagePullPolicy"))
    elif pull not in PULL_POLICIES:
        causes.append(f.not_supported(f"{path}.imagePullPolicy", pull, sorted(PULL_POLICIES)))
    return causes


def _validate_containers(containers: list[dict[str, Any]], volumes: set[str], path: str) -> list[Cause]:
    if not containers:
        return [f.required(path)]
    causes: list[Cause] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        cpath = f"{path}[{i}]"
        causes += _validate_container_common(ctr, volumes, cpath)
        name = ctr.get("name") or ""
        if name in names:
            causes.append(f.duplicate(f"{cpath}.name", name))
        else:
            names.add(name)
        if ctr.get("lifecycle") is not None:
            for hook in ("postStart", "preStop"):
                if ctr["lifecycle"].get(hook) is not None:
                    causes += _validate_handler(
                        ctr["lifecycle"][hook], f"{cpath}.lifecycle.{hook}", ("exec", "httpGet", "tcpSocket", "sleep")
                    )
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            causes += _validate_probe(ctr.get(kind), f"{cpath}.{kind}", kind)
        if ctr.get("restartPolicy") is not None:
            causes.append(f.forbidden(f"{cpath}.restartPolicy", m.RESTART_POLICY_NON_INIT))
    return causes


def _validate_init_containers(init: list[dict[str, Any]], regular: list[dict[str, Any]], volumes: set[str], path: str) -> list[Cause]:
    causes: list[Cause] = []
    names = {c.get("name") or "" for c in regular}
    for i, ctr in enumerate(init):
        cpath = f"{path}[{i}]"
        causes += _validate_container_common(ctr, volumes, cpath)
        name = ctr.get("name") or ""
        if name in names:
            causes.append(f.duplicate(f"{cpath}.name", name))
        elif name:
            names.add(name)
    return causes


def validate_pod_spec(spec: dict[str, Any], path: str = "spec") -> list[Cause]:
    """ValidatePodSpec (the subset above, in Go's order)."""
    causes: list[Cause] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        causes.append(f.required(f"{path}.terminationGracePeriodSeconds"))
    volumes, vol_causes = _validate_volumes(spec.get("volumes") or [], f"{path}.volumes")
    causes += vol_causes
    containers = spec.get("containers") or []
    causes += _validate_containers(containers, volumes, f"{path}.containers")
    causes += _validate_init_containers(spec.get("initContainers") or [], containers, volumes, f"{path}.initContainers")
    restart = spec.get("restartPolicy") or ""
    if not restart:
        causes.append(f.required(f"{path}.restartPolicy"))
    elif restart not in RESTART_POLICIES:
        causes.append(f.not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy") or ""
    if not dns:
        causes.append(f.required(f"{path}.dnsPolicy"))
    elif dns not in DNS_POLICIES:
        causes.append(f.not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    causes += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for key in ("serviceAccountName", "nodeName"):
        value = spec.get(key) or ""
        if value:
            causes += [f.invalid(f"{path}.{key}", value, msg) for msg in name_is_dns_subdomain(value)]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= 2**31 - 1:
        causes.append(f.invalid(f"{path}.activeDeadlineSeconds", deadline, m.inclusive_range(1, 2**31 - 1)))
    for key in ("hostname", "subdomain"):
        value = spec.get(key) or ""
        if value:
            causes += [f.invalid(f"{path}.{key}", value, msg) for msg in is_dns1123_label(value)]
    return causes


def validate_pod_template_spec(template: dict[str, Any], path: str) -> list[Cause]:
    """ValidatePodTemplateSpec."""
    meta = template.get("metadata") or {}
    causes = validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    spec = template.get("spec") or {}
    causes += validate_pod_spec(spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        causes.append(f.forbidden(f"{path}.spec.ephemeralContainers", m.EPHEMERAL_IN_TEMPLATE))
    return causes


def _validate_pod_metadata_and_spec(pod: dict[str, Any]) -> list[Cause]:
    causes = validate_object_meta(pod.get("metadata") or {}, True, name_is_dns_subdomain)
    spec = pod.get("spec") or {}
    causes += validate_pod_spec(spec, "spec")
    for group in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(group) or []):
            image = ctr.get("image") or ""
            if image != image.strip():
                causes.append(f.invalid(f"spec.{group}[{i}].image", image, m.POD_IMAGE_WHITESPACE))
    return causes


def validate_pod(pod: dict[str, Any]) -> list[Cause]:
    """ValidatePodCreate."""
    causes = _validate_pod_metadata_and_spec(pod)
    if (pod.get("spec") or {}).get("ephemeralContainers"):
        causes.append(f.forbidden("spec.ephemeralContainers", m.EPHEMERAL_ON_CREATE))
    return causes


def _spec_diff(old: Any, new: Any, path: str = "") -> list[str]:
    """A readable stand-in for cmp.Diff: one -/+ pair per changed leaf."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines: list[str] = []
        for k in list(old) + [k for k in new if k not in old]:
            lines += _spec_diff(old.get(k), new.get(k), f"{path}.{k}" if path else k)
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for i, (a, b) in enumerate(zip(old, new)):
            lines += _spec_diff(a, b, f"{path}[{i}]")
        return lines
    if old == new:
        return []
    return [f"-\t{path}: {old!r}", f"+\t{path}: {new!r}"]


def validate_pod_update(pod: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """ValidatePodUpdate: only images, activeDeadlineSeconds, tolerations (additions) may change."""
    causes = validate_object_meta_update(pod.get("metadata") or {}, old.get("metadata") or {})
    causes += _validate_pod_metadata_and_spec(pod)
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    for group in ("containers", "initContainers"):
        new_ctrs, old_ctrs = spec.get(group) or [], old_spec.get(group) or []
        if len(new_ctrs) != len(old_ctrs):
            return causes + [f.forbidden(f"spec.{group}", m.POD_UPDATE_ADD_REMOVE_CONTAINERS)]
        for i, ctr in enumerate(new_ctrs):
            if not ctr.get("image"):
                causes.append(f.required(f"spec.{group}[{i}].image"))
    new_deadline, old_deadline = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if new_deadline is not None:
        if new_deadline < 0 or new_deadline > 2**31 - 1:
            return causes + [f.invalid("spec.activeDeadlineSeconds", new_deadline, m.inclusive_range(0, 2**31 - 1))]
        if old_deadline is not None and old_deadline < new_deadline:
            return causes + [f.invalid("spec.activeDeadlineSeconds", new_deadline, m.ACTIVE_DEADLINE_LESS_THAN_PREVIOUS)]
    elif old_deadline is not None:
        causes.append(f.invalid("spec.activeDeadlineSeconds", None, m.ACTIVE_DEADLINE_TO_NIL))
    if spec == old_spec:
        return causes
    munged = _munge_updatable(spec, old_spec)
    if munged != old_spec:
        diff = "\n".join(["  core.PodSpec{", *_spec_diff(old_spec, munged), "  }", ""])
        detail = m.POD_UPDATE_FORBIDDEN.format(fields=",".join(m.POD_UPDATABLE_FIELDS), diff=diff)
        causes.append(f.forbidden("spec", detail))
    return causes


def _munge_updatable(spec: dict[str, Any], old_spec: dict[str, Any]) -> dict[str, Any]:
    munged = copy.deepcopy(spec)
    for group in ("containers", "initContainers"):
        for ctr, old_ctr in zip(munged.get(group) or [], old_spec.get(group) or []):
            if "image" in old_ctr:
                ctr["image"] = old_ctr["image"]
            else:
                ctr.pop("image", None)
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        if key in old_spec:
            munged[key] = copy.deepcopy(old_spec[key])
        else:
            munged.pop(key, None)
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged
