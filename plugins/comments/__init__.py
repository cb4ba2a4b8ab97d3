"""The comment model, written once, and its Pelican plugin (``comments.plugin``).

Model modules (``model``, ``check``, ``load``, ``thread``, ``render``,
``avatar``, ``jsonld``) never import Pelican: the intake service, the
importers and ``invoke check`` use them as they are.
"""

from __future__ import annotations

from .check import check_comment as check_comment
from .check import check_url as check_url
from .check import parse_date as parse_date
from .load import LoadedThread as LoadedThread
from .load import load_file as load_file
from .load import load_thread as load_thread
from .load import records_of as records_of
from .load import thread_files as thread_files
from .model import Broken as Broken
from .model import Comment as Comment
from .thread import EMPTY as EMPTY
from .thread import Thread as Thread
from .thread import ThreadNode as ThreadNode
from .thread import build_thread as build_thread
