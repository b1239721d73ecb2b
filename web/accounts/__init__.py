"""Console accounts and security: users, sessions, CSRF, sign-in limits, roles and the audit log.

Modules: ``models`` (User, Role), ``users`` (UserStore), ``passwords`` (argon2id),
``sessions`` (signed cookie -> Redis session), ``csrf``, ``ratelimit``, ``audit``,
``middleware`` (AuthMiddleware), ``guards`` (requires_role), ``routes`` (/login, /logout),
``cli`` (``python -m web.accounts``).
"""
