"""The demo store: a seeded generator of store export files, and the loader
that puts any store's export files (demo or real) into Redis.
"""
