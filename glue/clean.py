"""Glue entry: clean one landed object (shoplake.jobs.clean). Arguments: see REQUIRED_ARGS there."""

from __future__ import annotations

import sys

from shoplake.jobs import clean
from shoplake.jobs.common import parse_args
from shoplake.spark import get_spark


def main(argv: list[str]) -> dict:
    args = parse_args(argv, clean.REQUIRED_ARGS)
    return clean.run(get_spark(), args)


if __name__ == "__main__":
    main(sys.argv)
