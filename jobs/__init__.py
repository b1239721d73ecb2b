"""Offline jobs and command-line tools, apart from the action server's and web app's runtime code.

Each tool runs as ``python -m jobs.<name>``:

- ``offers``: validate, load, inspect, switch and roll back offer rules.
- ``segments``: re-run the customer segmentation, or assign one customer.
- ``identity``: sign or verify a customer token the way the store's website does.
- ``accounts``: create, list, re-password and delete console accounts.
- ``gguf_requantize``: re-encode the embedded model as Q8_0 (``make setup`` runs it).
- ``topics``: place new customer messages in topics (``run``), list them, and measure topic
  quality against labelled data (``evaluate``, ``compare``); ``topic_run`` and
  ``topic_updates`` are one run, ``topic_quality`` and ``topic_candidates`` the evaluation.

Offline jobs the seed and the tools call: ``segmentation`` (one segmentation run)
and ``intelligence`` (segmentation plus the recommendation tables). ``common``
holds what every tool starts with: its parser, logging and a Redis client.

Nothing in ``actions/`` or ``web/`` imports this package.
"""
