"""The site check: metadata-header rules and the build's content-problem report."""

from __future__ import annotations

from .header import check_file as check_file
from .header import check_header as check_header
from .header import read_header as read_header
