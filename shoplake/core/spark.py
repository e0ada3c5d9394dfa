"""The one SparkSession of a process, and the contract's neutral types as Spark types.

On Glue the session already exists and is only fetched. Locally a JVM start costs about 8 s,
so every job, test and bench in one process shares the session this returns.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import pyspark
from pyspark.sql import Column, SparkSession
from pyspark.sql import types as T

from shoplake.core.contracts import Table

_SCALARS: dict[str, T.DataType] = {
    "string": T.StringType(),
    "bigint": T.LongType(),
    "int": T.IntegerType(),
    "double": T.DoubleType(),
    "boolean": T.BooleanType(),
    "timestamp": T.TimestampType(),
    "date": T.DateType(),
}


def on_glue() -> bool:
    """True inside a Glue job run (the ``awsglue`` package is only there)."""
    return importlib.util.find_spec("awsglue") is not None


# The local driver's JVM: a 768 MB heap with the parallel collector. A 1 M-line dump needs no
# more (Spark spills what does not fit), and the whole process tree then stays within what DuckDB
# takes for the same file (bench/clean_flatten.py); 2 GB with G1 used 2.5x that, no faster.
DRIVER_MEMORY = os.environ.get("SHOPLAKE_SPARK_DRIVER_MEMORY", "768m")
DRIVER_JAVA_OPTIONS = os.environ.get("SHOPLAKE_SPARK_JAVA_OPTIONS", "-XX:+UseParallelGC")


def class_data_sharing(cache: Path | None = None) -> str:
    """The JVM option for an application class-data sharing archive of Spark's classes.

    A new process's SparkSession loads some ten thousand classes; mapped from an archive they
    load in half the time (bench/latency.py: JVM start 4.8 s -> 2.6 s, a first small file 17 s ->
    13.5 s). The first process without an archive dumps one when its JVM exits, under a name of
    its own; a later process adopts a finished one (its writer is gone). An archive belongs to
    one Java binary and one PySpark: either changed, another is made; a stale or broken archive
    only makes the JVM load classes as usual. The archive (~175 MB) lives in the user's cache
    directory, so every home, test and bench on the machine shares it. ``SHOPLAKE_SPARK_CDS=0`` turns this off.
    """
    if os.environ.get("SHOPLAKE_SPARK_CDS", "1") == "0":
        return ""
    java = shutil.which("java", path=str(Path(os.environ["JAVA_HOME"]) / "bin")) if "JAVA_HOME" in os.environ else None
    java = os.path.realpath(java or shutil.which("java") or "java")
    if not os.path.exists(java):
        return ""
    cache = cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shoplake" / "jvm"
    key = hashlib.sha256(f"{java}:{os.stat(java).st_mtime_ns}:{pyspark.__version__}".encode()).hexdigest()[:16]
    archive = cache / f"spark-{pyspark.__version__}-{key}.jsa"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for partial in sorted(cache.glob(f"{archive.name}.*.partial")):
            # Finished: its process is gone and the JVM, which writes it as it exits, long done.
            pid = int(partial.suffixes[-2].lstrip("."))
            if _alive(pid) or time.time() - partial.stat().st_mtime < 30:
                continue
            if archive.exists() or not partial.stat().st_size:
                partial.unlink()
            else:
                os.replace(partial, archive)
    except (OSError, ValueError):
        return ""
    if archive.exists():
        return f"-XX:SharedArchiveFile={archive} -Xlog:cds*=off"
    # (Quiet: the dump lists every class it cannot archive, a thousand lines on stdout.)
    return f"-XX:ArchiveClassesAtExit={archive}.{os.getpid()}.partial -Xlog:cds*=off"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def get_spark(app_name: str = "shoplake") -> SparkSession:
    """The process's SparkSession: Glue's own on Glue, a small local one elsewhere.

    Every session works in UTC, so dates derived from timestamps do not depend on the machine.
    """
    if on_glue():
        spark = SparkSession.builder.getOrCreate()
    else:
        # A local session talks to itself only; this also silences the "hostname resolves to a
        # loopback address" warning at every start.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        spark = (
            SparkSession.builder.appName(app_name)
            .master("local[2]")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", DRIVER_MEMORY)
            .config("spark.driver.extraJavaOptions", f"{DRIVER_JAVA_OPTIONS} {class_data_sharing()}".strip())
            # Spark writes _SUCCESS markers; the jobs list what they publish, the marker adds nothing.
            .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
            # Listing more than 32 paths (files or review_year directories) otherwise starts a
            # Spark job with one task per path; on a local disk the driver lists them faster.
            .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
            # The parse plan is wide; don't warn that its string form is truncated.
            .config("spark.sql.debug.maxToStringFields", "1000")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        # Hadoop's local file system writes a .crc file beside every file: nothing in the lake
        # uses them, and they cost a third of the time of writing many small partitions. Its
        # checksum reader also fails on file names with a colon (".2026-11-23T07:00.json.crc"
        # parses as a URI), which S3 keys may have.
        local_fs = spark.sparkContext._jvm.org.apache.hadoop.fs.FileSystem.getLocal(
            spark.sparkContext._jsc.hadoopConfiguration()
        )
        local_fs.setWriteChecksum(False)
        local_fs.setVerifyChecksum(False)
    # Set here, not on the builder: Glue's session is only fetched.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # INT96 (Spark's default) is legacy; DuckDB and Snowflake read microsecond timestamps natively.
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


def spark_type(neutral: str) -> T.DataType:
    """The Spark type of a neutral type string (``string``, ``decimal(12,2)``, ``map<string,string>`` …)."""
    text = neutral.strip().lower()
    if text in _SCALARS:
        return _SCALARS[text]
    if m := re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", text):
        return T.DecimalType(int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"array<(.+)>", text):
        return T.ArrayType(spark_type(m.group(1)))
    if m := re.fullmatch(r"map<([a-z]+)\s*,\s*(.+)>", text):
        return T.MapType(spark_type(m.group(1)), spark_type(m.group(2)))
    raise ValueError(f"unknown neutral type {neutral!r}")


def schema_for(table: Table) -> T.StructType:
    """The Spark schema of a contract table's files (the partition column lives in the path)."""
    return T.StructType([T.StructField(c.name, spark_type(c.type), nullable=True) for c in table.columns])


def typed(table: Table, columns: Mapping[str, Column], extra: Mapping[str, Column] | None = None) -> list[Column]:
    """The table's columns, in contract order and cast to contract types, then any extra ones.

    ``columns`` must name exactly the table's columns in contract order: a transform that drifts
    from its contract fails at plan time, not in a reader's query.
    """
    if list(columns) != table.column_names:
        raise ValueError(f"{table.name}: columns {list(columns)} differ from the contract {table.column_names}")
    out = [columns[c.name].cast(spark_type(c.type)).alias(c.name) for c in table.columns]
    return out + [col.alias(name) for name, col in (extra or {}).items()]
