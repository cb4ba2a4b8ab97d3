"""Importers that bring an existing blog, with its discussion, into Diskurs.

Not a Pelican plugin: a command (``invoke import-wordpress``) that writes
ordinary content files, checked with the same comment model as the build.
"""

from __future__ import annotations

from .importer import Options as Options
from .importer import Plan as Plan
from .importer import Report as Report
from .importer import plan_import as plan_import
from .importer import run_import as run_import
from .wordpress import WxrError as WxrError
from .wordpress import parse_wxr as parse_wxr
from .wordpress import read_wxr as read_wxr
