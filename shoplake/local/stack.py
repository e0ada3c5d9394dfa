"""The names of the local stand-in for the deployed stack: what ``serverless.yml`` deploys, as the
local runtime creates it inside moto (stage ``local``)."""

from __future__ import annotations

from shoplake.project import REPO_ROOT

ACCOUNT = "123456789012"
REGION = "us-east-1"
STAGE = "local"
SERVICE = "shoplake"

# serverless.yml's functions: name -> handler (a test keeps the two lists equal).
FUNCTIONS = {
    "intake": "handlers.intake.handler",
    "validate": "handlers.validate.handler",
    "checkClean": "handlers.check_clean.handler",
    "quarantineObject": "handlers.quarantine_object.handler",
    "refreshWarehouse": "handlers.refresh_warehouse.handler",
    "generateCartEvents": "handlers.generate_cart_events.handler",
    "exportPromotions": "handlers.export_promotions.handler",
    "extractChanges": "handlers.extract_changes.handler",
    "compactLake": "handlers.compact_lake.handler",
}
GLUE_JOBS = {"CleanGlueJob": "clean", "FlattenGlueJob": "flatten", "CleanAndFlattenGlueJob": "clean_and_flatten"}
# serverless.yml's params.default.smallObjectBytes (a test keeps them equal): objects up to this
# size are cleaned and flattened in one Glue job run.
SMALL_OBJECT_BYTES = 64 * 1024 * 1024
# serverless.yml's params.default.glueVersion (a test keeps them equal): the local PySpark pin is
# this Glue version's Spark.
GLUE_VERSION = "6.0"
STATE_MACHINE_FILE = REPO_ROOT / "statemachines" / "review_pipeline.asl.yml"


def bucket_name(zone: str) -> str:
    return f"{SERVICE}-{STAGE}-{zone}"
