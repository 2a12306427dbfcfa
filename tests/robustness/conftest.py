"""Raw HTTPS requests to the embedded API server, bypassing every client library."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from svclab.cluster.embedded import EmbeddedCluster


@dataclass
class Raw:
    cluster: EmbeddedCluster

    def context(self) -> ssl.SSLContext:
        config = self.cluster.kubeconfig()
        ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
        return ssl.create_default_context(cadata=ca)

    def __call__(self, method: str, path: str, body: bytes | str | None = None, content_type: str = "application/json", token: str | None = "default", headers: dict[str, str] | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.cluster.api_port, context=self.context(), timeout=20)
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {self.cluster.token if token == 'default' else token}"
        if body is not None:
            sent["Content-Type"] = content_type
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data.decode(errors="replace")

    def names(self, path: str) -> list[str]:
        status, body = self("GET", path)
        assert status == 200, body
        return [item["metadata"]["name"] for item in body["items"]]


@pytest.fixture
def raw(cluster: EmbeddedCluster) -> Raw:
    return Raw(cluster)


def service(name: str, **spec: Any) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec}})


def as_yaml(text: str) -> str:
    return yaml.safe_dump(json.loads(text))
