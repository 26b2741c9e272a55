FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN DJANGO_SETTINGS_MODULE=portal.settings.local DATABASE_URL=postgres://unused/unused \
    python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
