"""Settings for local work: relative URLs, drafts visible, every plugin on.

publishconf.py imports these and overrides only what production needs.
"""

from __future__ import annotations

AUTHOR = "Katrin Albers"
SITENAME = "Diskurs"
SITESUBTITLE = "Ein Blog über Kommunikation, mit Diskussion unter jedem Beitrag"
SITEURL = ""
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra"]
# Comment threads and reading lists are data, read by our plugins, not pages.
IGNORE_FILES = [".#*", "__pycache__"]
ARTICLE_EXCLUDES = ["comments", "reading"]
PAGE_EXCLUDES = ["comments", "reading"]

TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
DEFAULT_DATE = "fs"
DEFAULT_PAGINATION = 10
# Page 1 of a list is the list's own URL; later pages are <list>/seite/<n>/.
INDEX_URL = ""
PAGINATION_PATTERNS = [
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/seite/{number}/", "{base_name}/seite/{number}/index.html"),
]
SUMMARY_MAX_LENGTH = 60

ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
ARTICLE_LANG_URL = "{lang}/{date:%Y}/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/{date:%Y}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
DRAFT_URL = "entwurf/{slug}/"
DRAFT_SAVE_AS = "entwurf/{slug}/index.html"
CATEGORY_URL = "kategorie/{slug}/"
CATEGORY_SAVE_AS = "kategorie/{slug}/index.html"
TAG_URL = "schlagwort/{slug}/"
TAG_SAVE_AS = "schlagwort/{slug}/index.html"
AUTHOR_URL = "autor/{slug}/"
AUTHOR_SAVE_AS = "autor/{slug}/index.html"
ARCHIVES_SAVE_AS = "archiv/index.html"
ARCHIVES_URL = "archiv/"
CATEGORIES_SAVE_AS = "kategorien/index.html"
CATEGORIES_URL = "kategorien/"
TAGS_SAVE_AS = "schlagworte/index.html"
TAGS_URL = "schlagworte/"
AUTHORS_SAVE_AS = "autoren/index.html"
AUTHORS_URL = "autoren/"
DIRECT_TEMPLATES = ["index", "archives", "categories", "tags", "authors", "404"]
SLUG_REGEX_SUBSTITUTIONS = [
    (r"ä", "ae"), (r"ö", "oe"), (r"ü", "ue"), (r"Ä", "Ae"), (r"Ö", "Oe"), (r"Ü", "Ue"),
    (r"ß", "ss"),
    (r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""), (r"[-\s]+", "-"),
]

THEME = "theme"
PLUGIN_PATHS = ["plugins"]
# Order matters: sitecheck first (it opens the build's problem log), feeds last.
PLUGINS = [
    "sitecheck.plugin",
    "themekit.plugin",
    "pullquotes.plugin",
    "reading.plugin",
    "comments.plugin",
    "feeds.plugin",
    "fastbuild.plugin",
]

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

# Pelican's own feeds (feedgenerator) are off: the feeds plugin writes every feed
# of the site (sitekit.feedwriter). Paths below are the feeds plugin's settings.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEEDS_ALL_ATOM = "feeds/all.atom.xml"
FEEDS_ALL_RSS = "feeds/all.rss.xml"
FEEDS_CATEGORY_ATOM = "feeds/{slug}.atom.xml"
FEEDS_CATEGORY_RSS = "feeds/{slug}.rss.xml"
FEEDS_MAX_ITEMS = 50
# Feeds need absolute URLs: FEED_DOMAIN, else SITEURL, else this local server.
FEEDS_LOCAL_URL = "http://127.0.0.1:8000"
# Comment feeds ({slug}, {lang}); a post with `Comments: off` gets none.
COMMENTS_FEED_ATOM = "feeds/comments/{slug}.atom.xml"
COMMENTS_FEED_RSS = "feeds/comments/{slug}.rss.xml"
COMMENTS_FEED_MAX_ITEMS = None  # per discussion: every comment
COMMENTS_FEED_ALL_ATOM = "feeds/comments.atom.xml"
COMMENTS_FEED_ALL_RSS = "feeds/comments.rss.xml"
COMMENTS_FEED_ALL_MAX_ITEMS = 50

# Comments (plugins/comments).
COMMENTS_PATH = "comments"
COMMENTS_DISPLAY_DEPTH = 5
COMMENTS_CLOSE_AFTER_DAYS = None  # e.g. 365: threads close a year after the post
COMMENTS_INTAKE_URL = ""  # e.g. "https://comments.example.org/comments"
COMMENTS_FORGE_NEW_FILE_URL = ""  # e.g. "https://github.com/you/blog/new/main"
COMMENTS_MAIL = "kommentare@example.org"

# Comment intake service (plugins/intake; `comment-intake`, `invoke intake`).
INTAKE_ALLOWED_ORIGINS: list[str] = []  # origins besides SITEURL's that may post
INTAKE_RATE_PER_ADDRESS = (5, 600)  # submissions per seconds from one /24 or /48
INTAKE_RATE_PER_POST = (30, 3600)  # accepted submissions per seconds on one post
INTAKE_MAX_REQUEST_BYTES = 65_536  # request body; the model caps the text at 20,000 characters
INTAKE_MAX_LINKS = 3  # links in one comment
INTAKE_POW = False  # self-hosted proof of work (ALTCHA format) before sending
INTAKE_PUSH_OPTIONS: list[str] = []  # GitLab: ["merge_request.create", "merge_request.target=main"]
INTAKE_BASE_BRANCH = "main"
INTAKE_STALE_DAYS = 30  # `invoke comments.stale` closes branches older than this

# Reading lists (plugins/reading): content/reading/<slug>.yaml → reading/<slug>/.
READING_PATH = "reading"
READING_URL = "reading/{slug}/"
READING_SAVE_AS = "reading/{slug}/index.html"
READING_INDEX_URL = "reading/"
READING_INDEX_SAVE_AS = "reading/index.html"
READING_FEED_ATOM = "feeds/reading.atom.xml"  # newly added items; None turns it off
READING_FEED_RSS = "feeds/reading.rss.xml"
READING_FEED_TITLE = "Neue Leseempfehlungen"
READING_TITLE = "Leselisten"

# Strict mode (invoke check) turns every content problem into a failing exit.
CONTENT_STRICT = False

# Fast builds (plugins/fastbuild, README "Performance"): Pelican's reader cache
# (fastbuild drops it when code or settings change), our caches of checked and
# rendered comments and post HTML, page stamps so a rebuild writes only what
# changed, and worker processes. `pelican --ignore-cache` recomputes everything.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "sha256"  # by content: a git checkout changes every mtime
GZIP_CACHE = False  # compressing costs more time than the disk it saves
FASTBUILD_CACHE = True
FASTBUILD_WORKERS = None  # one per core; 0 renders everything in one process
# The pull-quote check and summary of a post, made by the worker that renders it.
FASTBUILD_PRECOMPUTE = ["pullquotes.plugin.precompute"]
