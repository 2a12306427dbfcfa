"""The classroom recipe as the tests run it: classroom/jupyterhub_config.py unchanged, plus what a test needs
that a class must not have — a test authenticator (any password, for the roster's users only) and ports of
its own on loopback."""

import os

c = get_config()  # noqa: F821 - provided by traitlets

load_subconfig(os.environ["SVCLAB_RECIPE"])  # noqa: F821 - provided by traitlets

c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['SVCLAB_HUB_API_PORT']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['SVCLAB_PROXY_API_PORT']}"
if os.environ.get("SVCLAB_LAST_ACTIVITY_INTERVAL"):  # the culling test: the hub reads the proxy's activity often
    c.JupyterHub.last_activity_interval = int(os.environ["SVCLAB_LAST_ACTIVITY_INTERVAL"])
