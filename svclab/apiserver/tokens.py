"""`POST .../serviceaccounts/<name>/token` (TokenRequest), what `kubectl create token` sends.

As pkg/registry/core/serviceaccount/storage/token.go does: the ServiceAccount must exist, the spec is
defaulted (expirationSeconds 3600; audiences: the API server's, `https://kubernetes.default.svc.cluster.local`
on kind) and validated (pkg/apis/authentication/validation: at least 10 minutes, at most 2^32 seconds),
a bound object must be a Pod (running as that ServiceAccount) or a Secret, and the answer is the
TokenRequest with `status.token`, a JWT carrying the claims of pkg/serviceaccount/claims.go.

The token is signed with the cluster's serving key (ES256: the API server accepts EC service-account
keys too), loaded with the first TokenRequest: `cryptography` is not imported while the cluster starts. The embedded API server itself authenticates only the kubeconfig's token, so a request made
with a ServiceAccount token is refused 401 here, where kind authenticates it and RBAC then decides.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from svclab.resources import PODS, resource
from svclab.validation import errors, field

ISSUER = "https://kubernetes.default.svc.cluster.local"
API_AUDIENCES = [ISSUER]
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 10 * 60
MAX_EXPIRATION_SECONDS = 1 << 32
MAX_AUDIENCES = 100  # a bound on what a request may ask for (the API has none; a token must stay small)
SERVICE_ACCOUNTS = resource("", "serviceaccounts")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class TokenIssuer:
    def __init__(self, key_pem: bytes) -> None:
        self._key_pem = key_pem
        self._key: Any = None
        self._key_id = ""

    def _load(self) -> Any:
        if self._key is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec

            key = serialization.load_pem_private_key(self._key_pem, password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError("the token signing key must be an EC key")
            public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            self._key_id = _b64(hashlib.sha256(public).digest())  # serviceaccount.keyIDFromPublicKey
            self._key = key
        return self._key

    @property
    def key_id(self) -> str:
        self._load()
        return self._key_id

    def sign(self, claims: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        key = self._load()
        header = {"alg": "ES256", "kid": self.key_id}
        signing_input = _b64(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64(json.dumps(claims, separators=(",", ":")).encode())
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _invalid(causes: list[field.Cause]) -> errors.ApiError:
    return errors.invalid_kind("authentication.k8s.io", "TokenRequest", "", causes)


def token_request(issuer: TokenIssuer, store: Any, namespace: str, name: str, body: dict[str, Any], now: float, rfc3339: Any) -> dict[str, Any]:
    """The answered TokenRequest (status.token set); an ApiError with the real text otherwise."""
    account = store.get(SERVICE_ACCOUNTS, namespace, name)
    if account is None:
        raise errors.not_found(SERVICE_ACCOUNTS, name)
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    expiration = spec.get("expirationSeconds")
    if expiration is None:
        expiration = DEFAULT_EXPIRATION_SECONDS
    causes = []
    if expiration < MIN_EXPIRATION_SECONDS:
        causes.append(field.invalid("spec.expirationSeconds", expiration, "may not specify a duration less than 10 minutes"))
    if expiration > MAX_EXPIRATION_SECONDS:
        causes.append(field.invalid("spec.expirationSeconds", expiration, "may not specify a duration larger than 2^32 seconds"))
    audiences = list(spec.get("audiences") or [])
    if len(audiences) > MAX_AUDIENCES:
        causes.append(field.too_many("spec.audiences", len(audiences), MAX_AUDIENCES))
    if causes:
        raise _invalid(causes)
    if not audiences:
        audiences = list(API_AUDIENCES)
    private: dict[str, Any] = {"namespace": namespace, "serviceaccount": {"name": name, "uid": account["metadata"].get("uid", "")}}
    ref = spec.get("boundObjectRef")
    if isinstance(ref, dict) and ref:
        group = ref.get("apiVersion", "").rsplit("/", 1)[0] if "/" in ref.get("apiVersion", "") else ""
        version = ref.get("apiVersion", "").rsplit("/", 1)[-1]
        kind = ref.get("kind", "")
        if group == "" and kind == "Pod":
            pod = store.get(PODS, namespace, ref.get("name", ""))
            if pod is None:
                raise errors.not_found(PODS, ref.get("name", ""))
            running_as = (pod.get("spec") or {}).get("serviceAccountName", "")
            if running_as != name:
                raise errors.bad_request(f'cannot bind token for serviceaccount "{name}" to pod running with serviceaccount "{running_as}"')
            private["pod"] = {"name": pod["metadata"]["name"], "uid": pod["metadata"].get("uid", "")}
        else:
            gvk = f"{group}/{version}, Kind={kind}" if group else f"/{version}, Kind={kind}"
            raise errors.bad_request(f"cannot bind token to object of type {gvk}")
    import uuid   # here: uuid imports the platform module (~3 ms), which the cluster's start need not wait for

    issued = int(now)
    claims = {
        "aud": audiences,
        "exp": issued + int(expiration),
        "iat": issued,
        "iss": ISSUER,
        "jti": str(uuid.uuid4()),
        "kubernetes.io": private,
        "nbf": issued,
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    metadata = {"name": name, "namespace": namespace, "creationTimestamp": rfc3339(issued)}
    return {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": metadata,
        "spec": {"audiences": audiences, "expirationSeconds": int(expiration), "boundObjectRef": ref if isinstance(ref, dict) and ref else None},
        "status": {"token": issuer.sign(claims), "expirationTimestamp": rfc3339(issued + int(expiration))},
    }
