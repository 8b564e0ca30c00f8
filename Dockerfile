# Casino-Club F2P application image.
#   docker build -t casino-club .
#   docker run -p 8000:8000 -e CASINO_SECRET_KEY=... casino-club
# The image serves on 0.0.0.0:8000; `casino-club serve` applies migrations before it listens.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: resolve the locked dependencies into /app/.venv with uv --------------------------
FROM ${PYTHON_IMAGE} AS build

ARG UV_VERSION=0.13.9
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app

# Dependencies first, so this layer is reused until pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself (installed from /app/src, the same layout as the repository).
COPY src/ ./src/
RUN uv sync --frozen --no-dev \
    && python -m compileall -q src

# ---- runtime: no uv, no build tools, non-root -------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/app/.venv/bin:${PATH}" \
    CASINO_DATABASE_URL="sqlite+aiosqlite:////app/data/casino.db"
# The SQLite default above only matters for a standalone `docker run` (mount a volume on /app/data);
# compose.yaml points every instance at PostgreSQL instead.

RUN groupadd --system --gid 10001 casino \
    && useradd --system --uid 10001 --gid casino --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin casino

WORKDIR /app
COPY --from=build /app /app
COPY alembic.ini ./
COPY migrations/ ./migrations/
RUN mkdir -p /app/data && chown casino:casino /app/data

USER casino

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]

CMD ["casino-club", "serve", "--host", "0.0.0.0", "--port", "8000"]
