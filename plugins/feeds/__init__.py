"""Every Atom and RSS feed of the site, written by sitekit.feedwriter.

Pelican loads ``feeds.plugin``; ``posts`` and ``comments`` build the feeds,
``html`` prepares entry HTML, ``site`` holds what all feeds of a build share.
"""
