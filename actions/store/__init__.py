"""The store's own data (catalogue, help centre, customers, orders, policy) in Redis."""
