"""Every Atom and RSS feed of the site: feedgen (sitekit.feedwriter) writes the few
site-wide ones, sitekit.leanfeed the pair of each discussion (``FeedJob.writer``).

Pelican loads ``feeds.plugin``; ``posts`` and ``comments`` build the feeds,
``html`` prepares entry HTML, ``site`` holds what all feeds of a build share.
"""
