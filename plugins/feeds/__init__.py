"""Every Atom and RSS feed of the site, written by sitekit.leanfeed (tested against
feedgen, sitekit.feedwriter, the writer of record); see ``FeedJob.writer``.

Pelican loads ``feeds.plugin``; ``posts`` and ``comments`` build the feeds,
``html`` prepares entry HTML, ``site`` holds what all feeds of a build share.
"""
