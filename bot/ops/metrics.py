"""The coach's Prometheus metrics, defined once for the whole process.

Every layer may count into these (like logging), but nothing here imports anything of
ours. They live in prometheus-client's default registry, so ``/metrics`` also shows the
process's own CPU, memory and file-descriptor figures.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter(
    "hipcoach_updates_total",
    "Updates handled, by platform and kind (text, command, press).",
    ["platform", "kind"],
)
STEP_SECONDS = Histogram(
    "hipcoach_step_seconds",
    "Time from an update reaching the coach to its outcome being ready.",
    ["platform"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
STEP_FAILURES = Counter(
    "hipcoach_step_failures_total",
    "Updates whose handling raised; the runner got the apology.",
    ["platform"],
)
REMINDERS = Counter(
    "hipcoach_reminders_total",
    "Reminder occurrences by outcome: sent, late (sent after their time), skipped, lost.",
    ["outcome"],
)
THROTTLED = Counter(
    "hipcoach_platform_throttled_total",
    "Answers of 429 Too Many Requests from a platform.",
    ["platform"],
)
RETRIES = Counter(
    "hipcoach_send_retries_total",
    "Sends tried again after a throttle or a network error.",
    ["platform"],
)
PACER_QUEUE = Gauge(
    "hipcoach_pacer_queue_depth",
    "Messages waiting in the pacer for their turn under the platform's limits.",
    ["platform"],
)
CONNECTED = Gauge(
    "hipcoach_platform_connected",
    "1 while the platform connection is up (polling, listening or on the gateway).",
    ["platform"],
)
LEADER = Gauge(
    "hipcoach_leader",
    "1 while this worker holds a role only one worker may hold at a time.",
    ["role"],
)
WORKERS = Gauge(
    "hipcoach_workers",
    "Workers registered on this database now, as this worker last counted them.",
)
ORDER_WAITS = Counter(
    "hipcoach_update_order_waits_total",
    "Updates held back for an earlier update of the same chat that another worker held.",
    ["platform"],
)
ORDER_WAIT_SECONDS = Histogram(
    "hipcoach_update_order_wait_seconds",
    "Time from a webhook update's arrival to its turn: behind its chat's earlier updates "
    "on other workers, or for an update just below it to show up.",
    ["platform"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
