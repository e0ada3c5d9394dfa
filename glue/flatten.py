"""Glue entry: publish and commit one cleaned run (shoplake.core.jobs.flatten); arguments: its REQUIRED_ARGS."""

from __future__ import annotations

import sys

from shoplake.core.jobs import flatten
from shoplake.core.jobs.common import parse_args
from shoplake.core.spark import get_spark


def main(argv: list[str]) -> dict:
    args = parse_args(argv, flatten.REQUIRED_ARGS, flatten.OPTIONAL_ARGS)
    return flatten.run(get_spark(), args)


if __name__ == "__main__":
    main(sys.argv)
