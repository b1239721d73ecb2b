"""Marketing insights: what customers talk about, as topics that keep their ids from run to run.

The topics job (``python -m jobs.topics run``, ``jobs/topic_run.py``) computes them offline from
the ``events`` stream; the marketer console reads them through ``overrides.TopicBoard``::

    messages.py    customer messages read from the event stream after the stored position
    masking.py     e-mails, phones, card, order and customer numbers, names replaced by labels
    clustering.py  Ward's tree cut at the lowest vMF-mixture BIC (no number of topics given)
    topics.py      TopicModel: join the nearest topic, else cluster into new topics, else wait
    naming.py      class-based TF-IDF words and names
    emerging.py    a day's volume against the topic's own baseline (exact Poisson-rate test)
    models.py      Topic, TopicExample, PendingMessage, EmergingFlag (JSON in Redis)
    store.py       the job's reads and its one-transaction writes (keys in actions/keys.py)
    overrides.py   the console's side: topics with merges folded in, rename, merge, erase

Nothing here is imported by an action; the action server only loads the modules (rasa-sdk
imports every module of the package), and importing one does no work. Method, figures and
commands: docs/insights.md.
"""
