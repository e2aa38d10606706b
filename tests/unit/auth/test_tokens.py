"""Bearer JWT verification: what is accepted, and the classic attacks that must be refused."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.settings import Settings

SECRET = "test-secret-that-is-long-enough-0123456789"


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "user-1", "exp": int(time.time()) + 300, "platforms": ["plat_a"], "permissions": ["INVOICE.VIEW"]}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(Settings(jwt_secret=SECRET))


def test_hs256_token_is_accepted(verifier: TokenVerifier) -> None:
    verified = verifier.verify(jwt.encode(_claims(scope="INVOICE.REFRESH READ_ONLY"), SECRET, algorithm="HS256"))
    assert verified is not None
    assert verified.subject == "user-1"
    assert verified.platforms == {"plat_a"}
    assert verified.permissions == {"INVOICE.VIEW", "INVOICE.REFRESH"}


@pytest.mark.parametrize(
    "token_factory",
    [
        pytest.param(lambda: jwt.encode(_claims(), "another-secret-of-sufficient-length-xx", algorithm="HS256"), id="bad-signature"),
        pytest.param(lambda: jwt.encode(_claims(exp=int(time.time()) - 3600), SECRET, algorithm="HS256"), id="expired"),
        pytest.param(lambda: jwt.encode(_claims(exp=None), SECRET, algorithm="HS256"), id="no-exp"),
        pytest.param(lambda: jwt.encode(_claims(sub=None), SECRET, algorithm="HS256"), id="no-sub"),
        pytest.param(lambda: jwt.encode(_claims(), None, algorithm="none"), id="alg-none"),
        pytest.param(lambda: jwt.encode(_claims(), SECRET * 2, algorithm="HS512"), id="other-algorithm"),
        pytest.param(lambda: jwt.encode(_claims(), SECRET, algorithm="HS256", headers={"kid": "unknown"}), id="unknown-kid"),
        pytest.param(lambda: "not-a-token", id="garbage"),
        pytest.param(lambda: jwt.encode(_claims(platforms="plat_a"), SECRET, algorithm="HS256"), id="platforms-not-a-list"),
    ],
)
def test_defective_tokens_are_refused(verifier: TokenVerifier, token_factory: Any) -> None:
    assert verifier.verify(token_factory()) is None


def test_clock_skew_is_tolerated(verifier: TokenVerifier) -> None:
    assert verifier.verify(jwt.encode(_claims(exp=int(time.time()) - 10), SECRET, algorithm="HS256")) is not None


def test_issuer_and_audience_are_checked_when_configured() -> None:
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_issuer="https://idp.example", jwt_audience="invoicegraph"))
    good = jwt.encode(_claims(iss="https://idp.example", aud="invoicegraph"), SECRET, algorithm="HS256")
    assert verifier.verify(good) is not None
    assert verifier.verify(jwt.encode(_claims(iss="https://evil.example", aud="invoicegraph"), SECRET, algorithm="HS256")) is None
    assert verifier.verify(jwt.encode(_claims(iss="https://idp.example", aud="other"), SECRET, algorithm="HS256")) is None
    assert verifier.verify(jwt.encode(_claims(), SECRET, algorithm="HS256")) is None


@pytest.fixture
def jwks_keys(tmp_path: Path) -> tuple[Path, Any, Any]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    rsa_jwk.update({"kid": "rsa-1", "alg": "RS256", "use": "sig"})
    ec_jwk = json.loads(ECAlgorithm.to_jwk(ec_key.public_key()))
    ec_jwk.update({"kid": "ec-1", "alg": "ES256", "use": "sig"})
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [rsa_jwk, ec_jwk]}))
    return path, rsa_key, ec_key


def test_rs256_and_es256_from_a_jwks_file(jwks_keys: tuple[Path, Any, Any]) -> None:
    path, rsa_key, ec_key = jwks_keys
    verifier = TokenVerifier(Settings(jwt_secret=SECRET, jwt_jwks_file=str(path)))
    assert verifier.verify(jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})) is not None
    assert verifier.verify(jwt.encode(_claims(), ec_key, algorithm="ES256", headers={"kid": "ec-1"})) is not None
    # A token naming the RSA key but claiming ES256 (algorithm confusion) is refused.
    assert verifier.verify(jwt.encode(_claims(), ec_key, algorithm="ES256", headers={"kid": "rsa-1"})) is None
    # Signed by a key that is not in the set.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert verifier.verify(jwt.encode(_claims(), stranger, algorithm="RS256", headers={"kid": "rsa-1"})) is None
