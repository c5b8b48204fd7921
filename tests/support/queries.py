"""Counting the queries of one page or fragment (the "same for 10 and 1,000 rows" assertions)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext


def query_count(client, url) -> int:
    """Queries issued while ``client`` GETs ``url``, which must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)
