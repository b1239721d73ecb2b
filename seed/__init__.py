"""The demo store: a seeded generator of store export files, and a loader into Redis.

The loader puts any store's export files (demo or real) into Redis.
"""
