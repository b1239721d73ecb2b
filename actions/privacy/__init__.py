"""A customer's data on request: where it lives, its export and its erasure.

* ``index.py``: the index from a verified customer to the conversations they had,
  kept at session start, so that no request needs a scan of every key;
* ``streams.py``: bounded scans of the capped Redis streams, deleting entries by id,
  and trimming by age;
* ``inventory.py``: everything held about one customer (``find_customer_data``),
  exported as one JSON document and erased (``erase_customer``).

``python -m jobs.privacy`` is the command line; ``docs/privacy.md`` describes what
is stored where and what erasure cannot reach.
"""
