"""`X-Cache` values, as CloudFront sends them but naming the edge instead of "cloudfront".

They mirror the access-log result types, so clients and log parsers written for CloudFront
recognise them.
"""

from __future__ import annotations

HIT = "Hit from edge"
MISS = "Miss from edge"
REFRESH_HIT = "RefreshHit from edge"  # was cached but expired; the origin answered 304
ERROR = "Error from edge"  # origin (or edge) 4xx/5xx
LAMBDA_GENERATED = "LambdaGeneratedResponse from edge"
LAMBDA_EXECUTION_ERROR = "LambdaExecutionError from edge"
LAMBDA_VALIDATION_ERROR = "LambdaValidationError from edge"
LAMBDA_LIMIT_EXCEEDED = "LambdaLimitExceeded from edge"

ALL = (
    HIT,
    MISS,
    REFRESH_HIT,
    ERROR,
    LAMBDA_GENERATED,
    LAMBDA_EXECUTION_ERROR,
    LAMBDA_VALIDATION_ERROR,
    LAMBDA_LIMIT_EXCEEDED,
)
