"""Validation of REST webhook bodies (no server needed)."""
import json

import pytest

from bot import config
from bot.channels import RequestError, parse_webhook_body


def body(**fields):
    return json.dumps(fields).encode()


def test_a_valid_request():
    incoming = parse_webhook_body(body(sender="v1", message="hi", metadata={"language": "pl"}))
    assert (incoming.sender, incoming.text, incoming.metadata) == ("v1", "hi", {"language": "pl"})


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"", "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (body(message="hi"), "invalid_sender"),
        (body(sender="", message="hi"), "invalid_sender"),
        (body(sender="v", message=5), "invalid_message"),
        (body(sender="v", message="hi", metadata="pl"), "invalid_metadata"),
        (body(sender="v", message="x" * (config.MAX_MESSAGE_CHARS + 1)), "message_too_long"),
        (b" " * (config.MAX_BODY_BYTES + 1), "body_too_large"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(raw, code):
    with pytest.raises(RequestError) as refused:
        parse_webhook_body(raw)
    assert refused.value.code == code
    assert 400 <= refused.value.status < 500


def test_a_message_of_the_maximum_length_is_accepted():
    assert parse_webhook_body(body(sender="v", message="x" * config.MAX_MESSAGE_CHARS))
