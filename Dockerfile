# The bot's web server (Telegram by polling or webhook, Messenger by webhook, /healthz, /metrics).
# Build: docker build -t outsourcing-bondhu .
# Run:   docker run -p 8080:8080 --env-file .env -v bondhu-data:/data outsourcing-bondhu
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TZ=Asia/Dhaka \
    DATABASE_URL=sqlite:////data/bot.sqlite3

WORKDIR /app

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir /data \
    && chown bot:bot /data

# Dependencies and code come from the project's own files (pyproject.toml); the time zone
# data for Asia/Dhaka comes with the tzdata package it lists.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY db ./db
COPY faq ./faq
COPY handlers ./handlers
COPY main.py ./
RUN pip install --no-cache-dir . \
    && python main.py validate

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
# slim images have no curl: ask /healthz with the standard library (200 = database reachable)
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz\", timeout=4)"]
# with only TELEGRAM_BOT_TOKEN set, serve polls Telegram; Messenger needs the webhook
CMD ["python", "main.py", "serve"]
