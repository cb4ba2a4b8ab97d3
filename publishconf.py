"""Production settings: absolute URLs, a clean output folder.

Everything else comes from pelicanconf.py.
"""

from __future__ import annotations

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("SITEURL", "https://diskurs.example.org")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
