"""Multi-turn conversations a customer would have, run against the live assistant over REST.

The suite (``suite/*.yml``, format in ``README.md``) says what each reply must and
must not contain; orders and products are named by role ("an order in transit"),
so the same suite runs on any seed of the demo store.
"""
