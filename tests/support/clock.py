"""Fixed moments for tests that depend on office hours (Amsterdam time)."""
import datetime as dt

WEDNESDAY_NOON = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.timezone.utc)  # 12:00 in Amsterdam
SATURDAY = dt.datetime(2026, 11, 28, 11, 0, tzinfo=dt.timezone.utc)
