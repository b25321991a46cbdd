# Sanxin's production image (docs/deploy.md): the package installed, its static files
# collected (hashed names) at build time, gunicorn started by `sanxin serve` as an
# unprivileged user. The data directory and the keys directory are volumes.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 sanxin \
 && useradd --system --uid 10001 --gid sanxin --home-dir /var/lib/sanxin --no-create-home \
        --shell /usr/sbin/nologin sanxin \
 && install -d -o sanxin -g sanxin -m 0700 /var/lib/sanxin \
 && install -d -o root -g sanxin -m 0750 /etc/sanxin/keys

WORKDIR /opt/sanxin
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf src build

ENV SANXIN_DEBUG=0 \
    SANXIN_VAR_DIR=/var/lib/sanxin \
    SANXIN_STATIC_ROOT=/opt/sanxin/static \
    SANXIN_BIND=0.0.0.0:8000 \
    SANXIN_SECRET_KEY_FILE=/etc/sanxin/keys/secret_key \
    SANXIN_DATA_KEY_FILE=/etc/sanxin/keys/data_key

# Collecting needs production settings but no real key and no database: throwaway
# keys and a scratch data directory, gone when the step ends.
RUN SANXIN_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    SANXIN_DATA_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    SANXIN_VAR_DIR=/tmp/build-var SANXIN_ALLOWED_HOSTS=localhost \
    sanxin collectstatic --noinput -v 0 \
 && rm -rf /tmp/build-var

USER sanxin
VOLUME ["/var/lib/sanxin", "/etc/sanxin/keys"]
EXPOSE 8000
# /healthz answers only to an allowed host name: ask for the first one.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "-c", "import os, urllib.request as r; h = os.environ['SANXIN_ALLOWED_HOSTS'].split(',')[0].strip().lstrip('.'); r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=5)"]
ENTRYPOINT ["sanxin", "serve"]
CMD []
