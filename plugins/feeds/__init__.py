"""Every Atom and RSS feed of the site, made with feedgen through sitekit.feedwriter.

Pelican loads ``feeds.plugin``; ``posts`` and ``comments`` build the feeds,
``html`` prepares entry HTML, ``site`` holds what all feeds of a build share.
"""
