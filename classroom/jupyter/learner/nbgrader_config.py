"""nbgrader for a learner's server on the classroom hub: the course and where its exchange is.

The hub sets SVCLAB_EXCHANGE (classroom/jupyterhub_config.py). Assignments are fetched into the learner's
home (~/<assignment>/) and submitted from there (Assignments tab: Fetch, Submit).
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets

c.CourseDirectory.course_id = "svclab"
c.Exchange.root = os.environ.get("SVCLAB_EXCHANGE", "/srv/svclab/exchange")
