"""gunicorn's settings for Casework: `gunicorn -c gunicorn.conf.py wsgi:app`.

It exists because of gunicorn's own trust in forwarding headers. By default gunicorn
believes X-Forwarded-Proto (and -Protocol, -Ssl) from 127.0.0.1 and ::1, and from any
peer of a UNIX socket, and then marks the request as HTTPS: a local client, or a proxy that
passes a client's header through, could make a plain HTTP request look secure (HSTS sent,
https URLs) even with TRUSTED_PROXY_COUNT=0. Here gunicorn trusts no forwarding header from
any address unless the operator names their proxies in FORWARDED_ALLOW_IPS; Casework's
ProxyFix (TRUSTED_PROXY_COUNT, casework/__init__.py) is the one place that interprets them.

Options given on the command line override these (e.g. `--bind`, `--workers`).
"""

import os

bind = "127.0.0.1:8000"  # behind a TLS-terminating proxy on the same machine
workers = 4

# Comma-separated addresses whose forwarding headers gunicorn itself may believe; none
# unless set. Leave it unset: TRUSTED_PROXY_COUNT is how Casework reads its proxy's headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
if not forwarded_allow_ips:
    # gunicorn believes these from a UNIX socket's peer whatever forwarded_allow_ips says.
    secure_scheme_headers: dict[str, str] = {}
    forwarder_headers = ""
