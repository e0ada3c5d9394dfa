"""Glue entry: publish and commit one cleaned run (shoplake.jobs.flatten); arguments: its REQUIRED_ARGS."""

from __future__ import annotations

import sys

from shoplake.jobs import flatten
from shoplake.jobs.common import parse_args
from shoplake.spark import get_spark


def main(argv: list[str]) -> dict:
    args = parse_args(argv, flatten.REQUIRED_ARGS, flatten.OPTIONAL_ARGS)
    return flatten.run(get_spark(), args)


if __name__ == "__main__":
    main(sys.argv)
