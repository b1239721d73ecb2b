"""The store's knowledge, and finding the article or product that answers a customer's question.

Passages and their index, retrieval, the question analysed once (``question.py``), and what
answers are checked against: the catalogue's names and the facts of a text. The package sits
below ``actions.answering`` and never imports it.
"""
