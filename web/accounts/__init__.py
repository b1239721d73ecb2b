"""Console accounts and security: users, sessions, CSRF, sign-in limits, roles and the audit log.

Modules: ``models`` (User, Role), ``users`` (UserStore), ``passwords`` (argon2id),
``sessions`` (signed cookie -> Redis session), ``csrf``, ``ratelimit``, ``audit``,
``services`` (AccountServices, part of the app's ``WebServices``), ``middleware``
(AuthMiddleware), ``guards`` (requires_role), ``pages`` (refusals), ``routes`` (/login,
/logout). Accounts are managed from the command line with ``python -m jobs.accounts``.
"""
