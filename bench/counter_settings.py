"""Settings of the counter benchmark's server: the product's own settings, with the
benchmark's URLconf (`bench.counter_urls`), which adds the bare JSON view the
redemptions are compared with. Nothing here is part of the product."""

from sanxin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.counter_urls"

# The benchmark builds no static files; whitenoise need not say so in every worker.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
