"""Serving the course to a learner (what `make lab`, `make down` and `make reset` run): the course
folder and its start page (`folder`), the JupyterLab process (`server`), and the three put together
with the cluster (`launch`). Notebooks import `svclab.lab`, never this."""
