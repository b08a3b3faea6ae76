"""Webhook verification: GitHub's HMAC signature (its documented test vector), rotation, and
GitLab's shared token."""

from __future__ import annotations

from plansync.daemon.webhook_auth import (
    github_signature,
    github_signature_valid,
    gitlab_token_valid,
)

# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
SECRET = b"It's a Secret to Everybody"
PAYLOAD = b"Hello, World!"
EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


class TestGitHubSignature:
    def test_githubs_documented_vector(self) -> None:
        assert github_signature(SECRET, PAYLOAD) == EXPECTED
        assert github_signature_valid(EXPECTED, PAYLOAD, [SECRET])

    def test_a_wrong_secret_or_changed_body_is_refused(self) -> None:
        assert not github_signature_valid(EXPECTED, PAYLOAD, [b"another secret"])
        assert not github_signature_valid(EXPECTED, PAYLOAD + b" ", [SECRET])

    def test_a_missing_or_malformed_header_is_refused(self) -> None:
        assert not github_signature_valid(None, PAYLOAD, [SECRET])
        assert not github_signature_valid("", PAYLOAD, [SECRET])
        assert not github_signature_valid(EXPECTED.removeprefix("sha256="), PAYLOAD, [SECRET])
        assert not github_signature_valid("sha1=" + EXPECTED[7:], PAYLOAD, [SECRET])
        assert not github_signature_valid("sha256=é", PAYLOAD, [SECRET])

    def test_any_of_several_secrets_is_accepted_while_rotating(self) -> None:
        assert github_signature_valid(EXPECTED, PAYLOAD, [b"the new one", SECRET])
        assert github_signature_valid(EXPECTED, PAYLOAD, [SECRET, b"the new one"])

    def test_no_secret_accepts_nothing(self) -> None:
        assert not github_signature_valid(EXPECTED, PAYLOAD, [])


class TestGitLabToken:
    def test_the_token_must_equal_one_of_the_secrets(self) -> None:
        assert gitlab_token_valid("s3cret", [b"s3cret"])
        assert gitlab_token_valid("s3cret", [b"old", b"s3cret"])
        assert not gitlab_token_valid("s3cret ", [b"s3cret"])
        assert not gitlab_token_valid("S3CRET", [b"s3cret"])
        assert not gitlab_token_valid(None, [b"s3cret"])
        assert not gitlab_token_valid("", [b"s3cret"])
        assert not gitlab_token_valid("s3cret", [])
