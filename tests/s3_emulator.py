"""An S3-compatible server on 127.0.0.1 for the tests: moto in server mode (an emulator of S3's
HTTP API, in memory, started by the test; docs/decisions/0026 says what it does not check)."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sipas-test",
    "AWS_SECRET_ACCESS_KEY": "sipas-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
BUCKET = "sipas-evidence"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def s3_server() -> Iterator[str]:
    """Start moto's S3 server on a free port of 127.0.0.1; yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in the process, whatever the server: start from none
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    try:
        yield endpoint
    finally:
        server.stop()


def make_bucket(endpoint: str, name: str = BUCKET) -> None:
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
    ).create_bucket(Bucket=name)
