"""Container healthchecks (docker-compose.yml): `python -m portal.healthcheck web|worker`.

web: GET /readyz from the gunicorn in this container, as the proxy would send it (an allowed
Host, X-Forwarded-Proto: https), so the check passes only when the database, the broker and
the cache answer. worker: the Celery worker of this host answers a ping through the broker.
Exit status 0 when healthy, 1 otherwise, with the reason on stdout.
"""

import http.client
import os
import socket
import sys

TIMEOUT_SECONDS = 5.0


def web() -> int:
    host = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")[0].strip().lstrip(".")
    port = int(os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/readyz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
    except OSError as error:
        print(f"web: {error}")
        return 1
    finally:
        connection.close()
    print(f"web: {response.status} {body}")
    return 0 if response.status == 200 else 1


def worker() -> int:
    from portal.celery_app import app

    node = f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=TIMEOUT_SECONDS)
    print(f"worker: {replies or f'no answer from {node}'}")
    return 0 if any(node in reply for reply in replies) else 1


def main(argv: list[str]) -> int:
    checks = {"web": web, "worker": worker}
    if len(argv) != 2 or argv[1] not in checks:
        print(f"usage: python -m portal.healthcheck {'|'.join(checks)}", file=sys.stderr)
        return 2
    return checks[argv[1]]()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
