"""Compact the lake: on a schedule, merge each dataset's small sources into segments where due
(shoplake.core.compaction), and switch the warehouse's readers to them."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from shoplake.core.compaction import Policy
from shoplake.core.settings import CompactLakeSettings, cold_start_cache
from shoplake.core.storage import get_store
from shoplake.core.warehouse import compact_lake
from shoplake.datasets import DATASETS

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cold_start_cache
def settings() -> CompactLakeSettings:
    return CompactLakeSettings.load()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict:
    s = settings()
    store = get_store(s.storage_backend)
    policy = Policy(
        min_sources=s.compaction_min_sources,
        fanout=s.compaction_fanout,
        retire_after_seconds=s.compaction_retire_after_seconds,
    )
    reports = []
    for name in DATASETS:
        # One segment per compaction, so a burst of small sources takes several: go on while
        # segments come and the run has time for another (a merge of 1 M rows takes about a minute).
        while True:
            report = compact_lake(s, store, dataset=name, policy=policy)
            reports.append(report)
            if report["segment"] or report["retired"]:
                logger.info("compacted", extra=report)
                metrics.add_metric(name="SourcesCompacted", unit=MetricUnit.Count, value=report["sources"])
                metrics.add_metric(name="SegmentsRetired", unit=MetricUnit.Count, value=len(report["retired"]))
            if not report["segment"] or context.get_remaining_time_in_millis() < 300_000:
                break
    # every run reports how many segments it wrote (0 too), so the metric's absence means a missed run
    metrics.add_metric(name="SegmentsWritten", unit=MetricUnit.Count, value=sum(1 for r in reports if r["segment"]))
    return {"datasets": reports}
