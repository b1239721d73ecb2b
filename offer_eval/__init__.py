"""python -m offer_eval: does the offer bandit learn, and do caps hold under concurrency (docs/offers.md)."""
