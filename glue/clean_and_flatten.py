"""Glue entry for small objects: clean then flatten one landed object in one job run
(shoplake.core.jobs.clean, then .flatten when the clean accepted it).

Glue bills every job run for a minute at least and each run waits for its own workers, so an
object of a few kilobytes (a change batch every few minutes) would pay two minutes and two
starts for seconds of work. The review pipeline sends objects up to ``smallObjectBytes`` here;
larger ones take the two jobs, with the clean's manifest checked between them. Arguments: the
union of both jobs' (see REQUIRED_ARGS there).
"""

from __future__ import annotations

import sys

from shoplake.core.jobs import clean, flatten
from shoplake.core.jobs.common import parse_args
from shoplake.core.spark import get_spark

REQUIRED_ARGS = tuple(dict.fromkeys((*clean.REQUIRED_ARGS, *flatten.REQUIRED_ARGS)))
OPTIONAL_ARGS = {**clean.OPTIONAL_ARGS, **flatten.OPTIONAL_ARGS}


def main(argv: list[str]) -> dict:
    args = parse_args(argv, REQUIRED_ARGS, OPTIONAL_ARGS)
    spark = get_spark()
    cleaned = clean.run(spark, args)
    if cleaned["status"] != "ACCEPTED":
        # Rejected: nothing to flatten; the check-clean function raises the rejection's error.
        return {"clean": cleaned, "flatten": None}
    published = flatten.run(spark, args)
    return {"clean": cleaned, "flatten": published}


if __name__ == "__main__":
    main(sys.argv)
