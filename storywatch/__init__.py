"""storywatch: are our policies making customers tell good or bad stories, and how do we compare?"""
__version__ = "0.1.0"
