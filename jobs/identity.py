"""Command line: sign a customer token the way the store's website does (demo page and tests).

    CS_IDENTITY_SECRET=... python -m jobs.identity sign CUSTOMER_ID [--ttl 3600]
    python -m jobs.identity verify TOKEN

Keys come from the ``CS_IDENTITY_*`` variables the Rasa server reads (the current key
and its id, a previous key during a rotation window, the longest lifetime: see
docs/segments.md); ``sign`` uses the current key. Without CS_IDENTITY_SECRET the
marked demo secret is used and a warning is printed to stderr.
"""

from __future__ import annotations

import os
import sys
import time

from actions.identity.tokens import (
    DEFAULT_TTL_S,
    IdentityConfigError,
    KeyRing,
    sign_customer_token,
    verify_customer_token,
)
from jobs.common import tool_parser

SECRET_VARIABLE = "CS_IDENTITY_SECRET"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = tool_parser("jobs.identity", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sign = sub.add_parser("sign", help="print a signed token for a customer id")
    sign.add_argument("customer_id")
    sign.add_argument("--ttl", type=int, default=DEFAULT_TTL_S, help="seconds the token stays valid")
    verify = sub.add_parser("verify", help="check a token and print the customer id or why it is refused")
    verify.add_argument("token")
    args = parser.parse_args(argv)
    if not os.environ.get(SECRET_VARIABLE):
        print(f"warning: {SECRET_VARIABLE} is not set; using the DEMO secret", file=sys.stderr)
    try:
        keys = KeyRing.from_environment(os.environ)
    except IdentityConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "sign":
        try:
            token = sign_customer_token(
                args.customer_id, keys.current.secret, args.ttl, time.time(), keys.current.key_id
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(token)
        return 0
    check = verify_customer_token(args.token, keys, now=time.time())
    if check.identity is None:
        print(f"refused: {check.reason}")
        return 1
    print(f"verified: {check.identity.customer_id} until {check.identity.expires_at}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
