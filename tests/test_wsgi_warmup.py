"""The web worker's warm-up: what a new gunicorn worker loads before it takes requests."""

import json
import subprocess
import sys

from tests.conftest import shared_cache_url
from tests.serve_support import ROOT, production_env

PROBE = """
import json, sys
import portal.wsgi
from django.db import connections
from django.template import engines
from django.urls import get_resolver
from django.utils.translation import trans_real

resolver = get_resolver()
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "urlconf": "portal.urls" in sys.modules,
    "reverse_languages": sorted(resolver._reverse_dict),
    "catalogs": sorted(trans_real._translations),
    "templates": len(getattr(loader, "get_template_cache", {})),
    "open_connections": [
        c.alias for c in connections.all(initialized_only=True) if c.connection is not None
    ],
}))
"""


def test_a_new_worker_is_warm_before_its_first_request_and_holds_no_connection(tmp_path):
    """The first request a gunicorn worker served took 0.2-0.8 s (imports of every view,
    URL reversal tables, translation catalogs, template compilation) against 5 ms for the
    next; the worker now does that work before it accepts. It opens no database
    connection on the way: nothing is shared across a fork, and each request thread
    opens its own."""
    env = production_env(
        tmp_path,
        8784,
        LOG_FORMAT="json",
        DATABASE_URL="sqlite:///:memory:",
        CACHE_URL=shared_cache_url(),
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["urlconf"]
    assert state["reverse_languages"] == ["en", "ja"]
    assert {"en", "ja"} <= set(state["catalogs"])
    assert state["templates"] > 0
    assert state["open_connections"] == []
