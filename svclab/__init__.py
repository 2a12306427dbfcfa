"""svclab: a Jupyter course on Kubernetes Service discovery, with an embedded cluster."""

__version__ = "0.1.0"
