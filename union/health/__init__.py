"""Health checks for load balancers and the load benchmark.

``GET /healthz/bare`` answers "ok" touching no database, no session and no login: a load
balancer learns the worker is up, and the benchmark measures the app's own ceiling (the
framework and the app's request hooks) to compare every page with.
"""

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("health", __name__)


@bp.get("/healthz/bare")
def bare() -> Response:
    return Response("ok\n", mimetype="text/plain")
