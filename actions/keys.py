"""Redis key names: the one place the project's keys are spelled."""

from __future__ import annotations

from dataclasses import dataclass

# Store data is the store's master copy in Redis, replaced by each seed: it must
# not expire under a running assistant, so those keys deliberately carry no TTL.
STORE_DATA_TTL_S: int | None = None
# A handoff request is stale once nobody picked it up for a week.
HANDOFF_TTL_S = 7 * 24 * 3600
# Closed handoffs are listed (reports, the console) for as long as their conversation lives.
HANDOFF_CLOSED_KEEP_S = 30 * 24 * 3600
# Bounded streams are trimmed instead of expiring: the newest entries are kept.
CSAT_STREAM_MAXLEN = 100_000
# A conversation's rating counts once in this window, however often it is sent.
CSAT_ONCE_PER_S = 24 * 3600
# An emotion timeline lives as long as the conversation's tracker (30 days) and
# keeps its newest entries.
EMOTION_TIMELINE_TTL_S = 30 * 24 * 3600
EMOTION_TIMELINE_MAX = 500
# Profiles, segments, the segment-assignment model and the recommendation tables
# are derived from store data and rebuilt by every seed or segmentation run.
# Recency and spend go stale as days pass, so a run that stops being refreshed
# ages out after five weeks instead of describing customers wrongly for ever.
CUSTOMER_INTELLIGENCE_TTL_S = 35 * 24 * 3600

# Offer rule versions, their pointer and their audit log are the marketers' master
# copy and the record of who changed what: they must not expire.
OFFER_RULES_TTL_S: int | None = None
OFFER_AUDIT_MAXLEN = 100_000
# Every Rasa tracker event, written by the event broker for the live consoles and
# analytics: trimmed, newest kept (~400 bytes each).
EVENTS_STREAM_MAXLEN = 500_000
# Console accounts and the audit log are the record of who did what: no expiry.
AUDIT_STREAM_MAXLEN = 100_000
# What anyone can cause without signing in, capped apart so a flood trims only its own kind.
ANONYMOUS_AUDIT_MAXLEN = 10_000
# Exposure, click and acceptance events: trimmed, newest kept (~250 bytes each).
OFFER_EVENTS_STREAM_MAXLEN = 250_000
# Wrong order/e-mail pairs are counted per e-mail and per order number for this long,
# whatever the conversation: a new session or /restart does not reset the count.
ORDER_LOOKUP_WINDOW_S = 3600
# A rule's counters (bandit, budget) are refreshed on every write; a rule unused
# for half a year starts afresh.
OFFER_STATS_TTL_S = 180 * 24 * 3600
# Purchases after offers (``actions/offers/outcomes.py``) are recomputed from the event stream and
# the orders by every run of the outcomes job; they live as long as the counters they sit beside.
OFFER_OUTCOMES_TTL_S = OFFER_STATS_TTL_S
# An acceptance is counted once per rule and conversation; a conversation lives 30 days.
OFFER_ACCEPT_DEDUPE_TTL_S = 30 * 24 * 3600
# Rasa's Redis tracker store keeps a conversation 30 days after its last event
# (``record_exp`` in bot/endpoints.yml); the index from a customer to their
# conversations lives as long, refreshed at every signed-in session start.
TRACKER_TTL_S = 30 * 24 * 3600
PRIVACY_INDEX_TTL_S = TRACKER_TTL_S
# Topics (actions/insights/): the topic records, their centroids, the marketers' renames and
# merges, the id counter and the job's stream position are the record a marketer works from
# and what keeps topic ids stable from run to run: they must not expire.
INSIGHTS_TOPICS_TTL_S: int | None = None
# A topic's per-day counters (refreshed on every write; the job also drops days older than this):
# a year of trend plus a margin for year-on-year comparison of the same weeks.
INSIGHTS_DAILY_TTL_S = 400 * 24 * 3600
# Distinct conversations per topic and day are counted in a HyperLogLog while late events of
# that day can still arrive; the count is copied into the daily counters on every write.
INSIGHTS_DAY_CONVERSATIONS_TTL_S = 3 * 24 * 3600
# A topic's conversations for the drill-down live as long as the conversations themselves.
INSIGHTS_TOPIC_CONVERSATIONS_TTL_S = TRACKER_TTL_S
INSIGHTS_TOPIC_CONVERSATIONS_MAX = 200
# Messages that fit no topic yet wait for the next runs (a subject too small today may be a topic
# tomorrow), capped, for two weeks at most (refreshed on write; older entries are dropped by the job).
INSIGHTS_PENDING_TTL_S = 14 * 24 * 3600
INSIGHTS_PENDING_MAX = 5_000
# The latest run's emerging-topic flags; a stopped job's flags age out instead of staying "new".
INSIGHTS_EMERGING_TTL_S = 2 * 24 * 3600
# One topics run at a time; a crashed run's lock frees itself.
INSIGHTS_LOCK_TTL_S = 15 * 60
# The demo history's marker lives as long as the data it marks (streams with no TTL).
DEMO_HISTORY_TTL_S: int | None = None
# Canned replies are the support team's shared wording, edited on purpose: no expiry.
CANNED_REPLIES_TTL_S: int | None = None
# Agents' private notes on a conversation live as long as the conversation's tracker,
# refreshed on every note; the newest are kept.
AGENT_NOTES_TTL_S = TRACKER_TTL_S
AGENT_NOTES_MAX = 200


@dataclass(frozen=True)
class Keys:
    """Key functions under one project prefix, e.g. ``cs:store:order:104233``."""

    prefix: str = "cs"

    @property
    def products(self) -> str:
        """Hash: product id -> Product JSON."""
        return f"{self.prefix}:store:products"

    @property
    def articles(self) -> str:
        """Hash: article id -> Article JSON."""
        return f"{self.prefix}:store:articles"

    @property
    def policy(self) -> str:
        """String: StorePolicy JSON."""
        return f"{self.prefix}:store:policy"

    @property
    def meta(self) -> str:
        """Hash: what was loaded, when and from where."""
        return f"{self.prefix}:store:meta"

    @property
    def order_ids(self) -> str:
        """Set of every loaded order id, so a re-seed can drop stale orders."""
        return f"{self.prefix}:store:order_ids"

    @property
    def customer_ids(self) -> str:
        """Set of every loaded customer id."""
        return f"{self.prefix}:store:customer_ids"

    def order(self, order_id: str) -> str:
        """String: Order JSON."""
        return f"{self.prefix}:store:order:{order_id}"

    def customer(self, customer_id: str) -> str:
        """String: Customer JSON."""
        return f"{self.prefix}:store:customer:{customer_id}"

    def customer_orders(self, customer_id: str) -> str:
        """Sorted set: the customer's order ids scored by placement time."""
        return f"{self.prefix}:store:customer_orders:{customer_id}"

    @property
    def knowledge_passages(self) -> str:
        """Hash: passage id -> Passage JSON (help-centre chunks and products)."""
        return f"{self.prefix}:kb:passages"

    @property
    def knowledge_vectors(self) -> str:
        """Hash: passage id -> float32 embedding bytes."""
        return f"{self.prefix}:kb:vectors"

    @property
    def knowledge_hashes(self) -> str:
        """Hash: passage id -> content hash of the text its vector was made from."""
        return f"{self.prefix}:kb:hashes"

    @property
    def knowledge_meta(self) -> str:
        """Hash: index version, encoder name and passage count."""
        return f"{self.prefix}:kb:meta"

    @property
    def handoff_queue(self) -> str:
        """Sorted set: conversation ids waiting for a person, scored by request time."""
        return f"{self.prefix}:handoff:queue"

    def handoff(self, conversation_id: str) -> str:
        """Hash: why and when a conversation asked for a person."""
        return f"{self.prefix}:handoff:{conversation_id}"

    def order_lookup_failures(self, kind: str, digest: str) -> str:
        """String: wrong order/e-mail pairs for one e-mail or order number (hashed), with a TTL."""
        return f"{self.prefix}:limits:order_lookup:{kind}:{digest}"

    def csat_rated(self, conversation_id: str) -> str:
        """String with a TTL: the conversation's rating was counted (one per ``CSAT_ONCE_PER_S``)."""
        return f"{self.prefix}:csat:rated:{conversation_id}"

    @property
    def csat(self) -> str:
        """Stream: customer satisfaction scores, one entry per rating."""
        return f"{self.prefix}:csat"

    def emotion_timeline(self, conversation_id: str) -> str:
        """List: one JSON entry per customer message (TimelineEntry)."""
        return f"{self.prefix}:emotion:{conversation_id}"

    def profile(self, customer_id: str) -> str:
        """String: CustomerProfile JSON (segment, features, top categories)."""
        return f"{self.prefix}:profile:{customer_id}"

    def segment(self, segment_id: int) -> str:
        """String: Segment JSON (label, size, centroid, top categories, best sellers)."""
        return f"{self.prefix}:segment:{segment_id}"

    @property
    def segment_model(self) -> str:
        """String: SegmentModel JSON, what assigns a new customer without re-clustering."""
        return f"{self.prefix}:segments:model"

    @property
    def segments_meta(self) -> str:
        """Hash: version, k and time of the latest segmentation run (readers reload on it)."""
        return f"{self.prefix}:segments:meta"

    @property
    def bought_together(self) -> str:
        """Hash: product id -> JSON list of [other product id, score], best first."""
        return f"{self.prefix}:reco:bought_together"

    @property
    def recommendation_meta(self) -> str:
        """Hash: version and build time of the recommendation tables, store-wide best sellers."""
        return f"{self.prefix}:reco:meta"

    @property
    def offer_rules_current(self) -> str:
        """String: the number of the offer rule set version in force (0 or missing: none)."""
        return f"{self.prefix}:offers:rules:current"

    def offer_rules_version(self, version: int) -> str:
        """String: RuleSetVersion JSON of one saved offer rule set."""
        return f"{self.prefix}:offers:rules:v{version}"

    @property
    def offer_rules_audit(self) -> str:
        """Stream: who saved which offer rule set version, when, and what changed."""
        return f"{self.prefix}:offers:rules:audit"

    def offer_stats(self, rule_id: str) -> str:
        """Hash: an offer rule's exposure, click and acceptance counters (bandit and budget)."""
        return f"{self.prefix}:offers:stats:{rule_id}"

    def offer_outcomes(self, rule_id: str) -> str:
        """Hash: customers and purchasers per segment and arm of an offer rule (``offers/outcomes.py``)."""
        return f"{self.prefix}:offers:outcomes:{rule_id}"

    def offer_seen(self, rule_id: str, subject: str) -> str:
        """Sorted set: one customer's (or conversation's) exposures to a rule, scored by time in ms."""
        return f"{self.prefix}:offers:seen:{rule_id}:{subject}"

    def offer_accepted(self, rule_id: str, conversation_id: str) -> str:
        """String: set once when a conversation accepts a rule's offer, so it counts once."""
        return f"{self.prefix}:offers:accepted:{rule_id}:{conversation_id}"

    @property
    def offer_events(self) -> str:
        """Stream: offer exposures, control holds, clicks and acceptances."""
        return f"{self.prefix}:offers:events"

    @property
    def events(self) -> str:
        """Stream: every Rasa tracker event, from the event broker.

        Fields: ``sender_id``, ``type``, ``event`` (JSON).
        """
        return f"{self.prefix}:events"

    @property
    def handoff_closed(self) -> str:
        """Sorted set: handed-off conversations an agent closed, scored by closing time."""
        return f"{self.prefix}:handoff:closed"

    @property
    def audit(self) -> str:
        """Stream: console actions (rule changes, takeovers, sign-ins): who, what, when."""
        return f"{self.prefix}:audit"

    @property
    def audit_anonymous(self) -> str:
        """Stream: failed and locked-out sign-ins (fields as in ``audit``), capped apart from it."""
        return f"{self.prefix}:audit:anonymous"

    def web_user(self, username: str) -> str:
        """String: a console account (User JSON with the password hash)."""
        return f"{self.prefix}:web:user:{username}"

    @property
    def web_users(self) -> str:
        """Set of console usernames."""
        return f"{self.prefix}:web:users"

    def web_session(self, session_id: str) -> str:
        """String: a signed-in console session (expires with the session)."""
        return f"{self.prefix}:web:session:{session_id}"

    def login_attempts(self, subject: str) -> str:
        """Counter: failed sign-ins of one username or address in the current window."""
        return f"{self.prefix}:web:login_attempts:{subject}"

    def tracker(self, sender_id: str) -> str:
        """String: a conversation's Rasa tracker (JSON), written by Rasa's RedisTrackerStore.

        Rasa 3.6 names it ``<key_prefix>:tracker:<sender_id>`` when the prefix is
        alphanumeric (``bot/endpoints.yml`` sets ``cs``), else ``tracker:<sender_id>``.
        """
        return f"{self.prefix}:tracker:{sender_id}"

    def customer_conversations(self, customer_id: str) -> str:
        """Set: the conversation ids a verified customer chatted in (``actions/privacy/index.py``)."""
        return f"{self.prefix}:privacy:conversations:{customer_id}"

    @property
    def insights_topic_seq(self) -> str:
        """Counter: the number of the newest topic (ids are ``t-<n>``, never reused)."""
        return f"{self.prefix}:insights:topics:seq"

    @property
    def insights_topics(self) -> str:
        """Sorted set: every topic id (merged ones too), scored by creation time in ms."""
        return f"{self.prefix}:insights:topics"

    def insights_topic(self, topic_id: str) -> str:
        """String: Topic JSON (automatic name, words, masked examples, size), written by the topics job."""
        return f"{self.prefix}:insights:topic:{topic_id}"

    @property
    def insights_topic_vectors(self) -> str:
        """Hash: topic id -> float32 bytes of the sum of its messages' embeddings (its centroid)."""
        return f"{self.prefix}:insights:topic_vectors"

    @property
    def insights_topic_names(self) -> str:
        """Hash: topic id -> the name a marketer gave it (the job never writes it)."""
        return f"{self.prefix}:insights:topic_names"

    @property
    def insights_topic_merges(self) -> str:
        """Hash: topic id -> the id of the topic a marketer merged it into (the job never writes it)."""
        return f"{self.prefix}:insights:topic_merges"

    def insights_topic_daily(self, topic_id: str) -> str:
        """Hash: ``<YYYY-MM-DD>:<metric>`` -> count (messages, conversations, ...) of one topic."""
        return f"{self.prefix}:insights:daily:{topic_id}"

    def insights_day_conversations(self, topic_id: str, day: str) -> str:
        """HyperLogLog: the conversations (sender ids) with a message on the topic that day."""
        return f"{self.prefix}:insights:day_conversations:{topic_id}:{day}"

    def insights_topic_conversations(self, topic_id: str) -> str:
        """Sorted set: the topic's newest conversation ids, scored by their latest message's time."""
        return f"{self.prefix}:insights:conversations:{topic_id}"

    @property
    def insights_pending(self) -> str:
        """Hash: message id -> PendingMessage JSON (masked text, embedding): fits no topic yet."""
        return f"{self.prefix}:insights:pending"

    @property
    def insights_waiting_gaps(self) -> str:
        """String: WaitingGaps JSON, the unanswered questions among the pending messages."""
        return f"{self.prefix}:insights:waiting-gaps"

    @property
    def insights_cursor(self) -> str:
        """String: the id of the last ``events`` stream entry the topics job has read."""
        return f"{self.prefix}:insights:cursor"

    @property
    def insights_meta(self) -> str:
        """Hash: the latest topics run (time, messages, topics, method)."""
        return f"{self.prefix}:insights:meta"

    @property
    def insights_emerging(self) -> str:
        """String: JSON list of the latest run's emerging-topic flags with their evidence."""
        return f"{self.prefix}:insights:emerging"

    @property
    def insights_lock(self) -> str:
        """String with a TTL: held by the topics run in progress."""
        return f"{self.prefix}:insights:lock"

    @property
    def demo_history(self) -> str:
        """Hash: the simulated demo history is loaded (seed, days, counts; ``seed/history``)."""
        return f"{self.prefix}:demo:history"

    @property
    def demo_history_orders(self) -> str:
        """Hash: order id -> Order JSON of the demo history's purchases, put back after a store reload."""
        return f"{self.prefix}:demo:history:orders"

    @property
    def canned_replies(self) -> str:
        """Hash: canned reply shortcut -> CannedReply JSON (``web/agent/canned.py``)."""
        return f"{self.prefix}:agent:canned"

    def agent_notes(self, conversation_id: str) -> str:
        """List: agents' private notes on a conversation, oldest first (Note JSON, ``web/agent/notes.py``)."""
        return f"{self.prefix}:agent:notes:{conversation_id}"

    @property
    def handoff_inbox(self) -> str:
        """Sorted set: every handoff the agents' inbox lists (open or for follow-up), scored by request time.

        Each one's search document is the ``doc`` field of its ``handoff`` hash
        (``actions/handoff/index.py``).
        """
        return f"{self.prefix}:handoff:inbox"

    @property
    def agent_inbox_cursor(self) -> str:
        """String: the id of the last ``events`` stream entry folded into the inbox's search documents."""
        return f"{self.prefix}:agent:inbox:cursor"

    @property
    def agent_inbox_lock(self) -> str:
        """String with a TTL: held while one web worker folds new events into the search documents."""
        return f"{self.prefix}:agent:inbox:lock"

    @property
    def handoff_sweeper_lock(self) -> str:
        """String with a TTL: taken by the web app replica that sweeps the handoff queue this round."""
        return f"{self.prefix}:handoff:sweeper:lock"
