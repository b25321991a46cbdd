"""Settings of the pages-under-load benchmark's server: the product's own settings with
the benchmark's URLconf (`bench.pages_urls`, which adds the bare template page), and
the session and CSRF cookies allowed over plain HTTP, since the load comes over
loopback without TLS (in production they are Secure). Nothing here is part of the
product."""

from sanxin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# The benchmark builds no static files (the pages' HTML is what is measured).
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
