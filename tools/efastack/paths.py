# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Where things are: the repository, its build folder, the cache."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, "tools")
BUILD = os.path.join(REPO, "build")
DEFAULT_CACHE = "/var/cache/efa-stack"


def cache_dir():
    """The cache of heavy builds, outside the repository: $EFA_CACHE, else
    /var/cache/efa-stack when it is (or can be made) writable, else the
    user's own ~/.cache/efa-stack (so host suites run without root)."""
    env = os.environ.get("EFA_CACHE")
    if env:
        return env
    try:
        os.makedirs(DEFAULT_CACHE, exist_ok=True)
    except OSError:
        pass
    if os.access(DEFAULT_CACHE, os.W_OK):
        return DEFAULT_CACHE
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(xdg, "efa-stack")


def python_path(existing=None):
    """PYTHONPATH with this package's folder first."""
    return os.pathsep.join([TOOLS] + ([existing] if existing else []))
