FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    JIQUN_DATABASE_URL=sqlite+aiosqlite:////var/lib/jiqun/jiqun.db JIQUN_DATA_DIR=/var/lib/jiqun/data

RUN useradd --create-home --uid 10001 jiqun && mkdir -p /var/lib/jiqun && chown jiqun /var/lib/jiqun
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY api ./api
COPY schema ./schema
COPY domain ./domain
COPY opendata ./opendata
COPY migrations ./migrations
COPY demo ./demo
COPY partner_sync ./partner_sync
RUN pip install -c constraints.txt .

USER jiqun
EXPOSE 8000
# JIQUN_DATABASE_URL=postgresql://... and JIQUN_REDIS_URL=redis://... select PostgreSQL and Redis.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "jiqun db upgrade && jiqun serve --host 0.0.0.0 --port 8000"]
