# Charter's image: one image for web (gunicorn), the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pango for WeasyPrint (the PDFs), Poppler's pdftoppm (the Gantt as PNG), and a Java runtime
# for MPXJ (importing .mpp, .mpx, .xer and Primavera P6 XML plans).
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core poppler-utils default-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 charter

COPY pyproject.toml README.md manage.py ./
COPY config ./config
COPY projects ./projects
COPY scheduling ./scheduling
COPY budgets ./budgets
COPY risks ./risks
COPY stakeholders ./stakeholders
COPY reports ./reports
COPY interchange ./interchange
COPY templates ./templates
COPY static ./static
RUN pip install . \
 && DEBUG=false SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnop \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media && chown -R charter:charter /app/var

USER charter
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
