"""Past one machine: the same spiders and tagger on Ray, the warehouse as Delta Lake tables.

Optional (`pip install 'storywatch[scale]'`); the default engine and storage never import it.
"""
