"""What both trees share: the tests' own normalization cache and the credentials they send.

The fixtures that start servers are in tests/process/conftest.py; tests/unit/conftest.py refuses
to start any process.
"""

from __future__ import annotations

import base64
import os
import tempfile

# Documents normalized at start-up are cached; the tests' cache is their own, never the user's.
os.environ.setdefault("MOCKSERVER_CACHE_DIR", tempfile.mkdtemp(prefix="mockserver-test-cache-"))

BEARER = {"Authorization": "Bearer test-key"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"client:secret").decode()}
