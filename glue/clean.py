"""Glue entry: clean one landed object (shoplake.core.jobs.clean). Arguments: see REQUIRED_ARGS there."""

from __future__ import annotations

import sys

from shoplake.core.jobs import clean
from shoplake.core.jobs.common import parse_args
from shoplake.core.spark import get_spark


def main(argv: list[str]) -> dict:
    args = parse_args(argv, clean.REQUIRED_ARGS, clean.OPTIONAL_ARGS)
    return clean.run(get_spark(), args)


if __name__ == "__main__":
    main(sys.argv)
