"""NLU quality: train a pipeline on a benchmark's training split, measure it on a test split.

Runs in the Rasa environment (Python 3.10): ``.venv-rasa/bin/python -m nlu_eval --help``.
Out-of-scope messages are decided two ways at once: the benchmark's out-of-scope
training examples form their own intent (``out_of_scope``), and a message whose
confidence is below the FallbackClassifier's threshold (``nlu_fallback``) also
counts as out of scope.
"""
