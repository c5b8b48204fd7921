"""Exit 0 when the PostgreSQL and Redis given on the command line answer, 1 otherwise."""
import sys

import dj_database_url
import psycopg
import redis

db_url, redis_url = sys.argv[1], sys.argv[2]
try:
    cfg = dj_database_url.parse(db_url)
    psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname=cfg["NAME"],
                    password=cfg["PASSWORD"] or None, connect_timeout=2).close()
    redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
except Exception as exc:  # any failure means "not available"
    print(f"services not available: {exc.__class__.__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
