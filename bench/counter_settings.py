"""Settings of the counter benchmark's server: the product's own settings, with the
benchmark's URLconf (`bench.counter_urls`), which adds the bare JSON view the
redemptions are compared with. Nothing here is part of the product."""

from sanxin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.counter_urls"

# The benchmark builds no static files; whitenoise need not say so in every worker.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# Each client is one clerk confirming redemptions as fast as the server answers, far
# beyond what a person does: the per-clerk limit (SANXIN_REDEMPTIONS_PER_MINUTE, 30 by
# default) is raised out of the way. The count itself (one upsert per confirmation)
# stays in what is measured.
SANXIN_REDEMPTIONS_PER_MINUTE = 1_000_000
