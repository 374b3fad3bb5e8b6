"""Pictures the coach draws itself: drill demos, the where-to-roll body map, /progress.

Everything is made from content (the poses, the outline) or from the data a flow puts in
a :class:`~bot.core.drawings.Drawing`; nothing is fetched. :class:`MediaLibrary` is the
:class:`~bot.core.ports.Pictures` the adapters read through: it draws on first use, off
the event loop, and keeps what it drew from content on disk, keyed by the content's hash.
The core never imports this package; it imports the core.
"""
