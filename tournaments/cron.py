"""RQ cron configuration (scaled mode): ``python manage.py rqcron tournaments.cron``.

Queues the schedules job every minute on the ``default`` queue; workers run it. Alternatively run
``python manage.py run_schedules --loop 60`` as its own process. Both are idempotent.
"""
from rq import cron

from tournaments.jobs import run_schedules

cron.register(run_schedules, queue_name="default", interval=60)
