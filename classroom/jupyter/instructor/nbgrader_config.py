"""nbgrader for an instructor's server on the classroom hub.

The course is a clone of the svclab repository in the instructor's home (SVCLAB_COURSE_DIR, default ~/svclab):
its own nbgrader_config.py (course `svclab`, sources in solutions/, release in exercises/) is loaded, and the
exchange is the hub's (SVCLAB_EXCHANGE). Formgrader then releases, collects and autogrades through it.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets

course = os.path.expanduser(os.environ.get("SVCLAB_COURSE_DIR", "~/svclab"))
if os.path.exists(os.path.join(course, "nbgrader_config.py")):
    load_subconfig(os.path.join(course, "nbgrader_config.py"))  # noqa: F821 - provided by traitlets
c.CourseDirectory.root = course
c.CourseDirectory.course_id = "svclab"
c.Exchange.root = os.environ.get("SVCLAB_EXCHANGE", "/srv/svclab/exchange")
