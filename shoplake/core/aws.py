"""AWS clients, created lazily on first use and cached (moto intercepts them; cold starts stay cheap)."""

from __future__ import annotations

import boto3

from shoplake.core.settings import cold_start_cache


@cold_start_cache
def stepfunctions():
    return boto3.client("stepfunctions")


@cold_start_cache
def sqs():
    return boto3.client("sqs")


@cold_start_cache
def secretsmanager():
    return boto3.client("secretsmanager")


@cold_start_cache
def dynamodb():
    return boto3.client("dynamodb")
