"""`edge serve --certfile/--keyfile`: the pair checked before anything starts, as the chosen
server will load it, so a pair it cannot serve is one line naming the file (exit status 2)
instead of a traceback, or a Rust panic in every Granian worker and a crash loop.

Two loaders read these files: Hypercorn's is OpenSSL (Python's `ssl`), Granian's is rustls,
which takes less: RSA keys of 2048 to 8192 bits, ECDSA on P-256 or P-384, Ed25519, and PEM
files without a byte-order mark. A certificate that has expired or is not valid yet serves,
with a warning: viewers will refuse it.
"""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import click

BOM = b"\xef\xbb\xbf"
RUSTLS_CURVES = ("secp256r1", "secp384r1")
RUSTLS_RSA_BITS = (2048, 8192)


class TLSError(click.ClickException):
    """A certificate or key the server could not use: one line, exit status 2."""

    exit_code = 2


class _Encrypted(Exception):
    pass


def check_tls(certfile: str, keyfile: str, server: str = "granian") -> list[str]:
    """Raise TLSError for a pair `server` cannot serve; the warnings for one it can (expiry)."""
    cert_bytes = _read(certfile, "certificate")
    key_bytes = _read(keyfile, "key")
    if b"-----BEGIN CERTIFICATE-----" not in cert_bytes:
        raise TLSError(f"--certfile {certfile} is not a PEM certificate (no -----BEGIN CERTIFICATE----- line): "
                       "give the certificate with its chain, and its private key as --keyfile")
    _load_with_openssl(certfile, keyfile, cert_bytes, key_bytes)
    if server == "granian":
        _check_for_rustls(certfile, keyfile, cert_bytes, key_bytes)
    return _expiry_warnings(certfile, cert_bytes)


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TLSError(f"cannot read the TLS {what} {path}: {exc.strerror or exc}") from None


def _load_with_openssl(certfile: str, keyfile: str, cert_bytes: bytes, key_bytes: bytes) -> None:
    """Load the pair as Hypercorn will (and as Granian's own start does before its workers)."""

    def no_passphrase() -> str:
        raise _Encrypted

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile, password=no_passphrase)
    except _Encrypted:
        raise TLSError(f"the TLS key {keyfile} is encrypted (it needs a passphrase): edge serve takes an unencrypted "
                       f"key, readable only by its user (openssl pkey -in {keyfile} -out plain.pem; chmod 600)") from None
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            raise TLSError(_mismatch(certfile, keyfile, cert_bytes, key_bytes)) from None
        if exc.reason == "EE_KEY_TOO_SMALL":
            raise TLSError(f"the TLS key {keyfile} is too small for OpenSSL's security level: use an RSA key of "
                           "2048 bits or more, or an ECDSA (P-256, P-384) or Ed25519 key") from None
        detail = f" ({exc.reason})" if exc.reason else ""
        raise TLSError(f"--keyfile {keyfile} is not a PEM private key{detail}: give the private key of the certificate "
                       f"{certfile}") from None
    except OSError as exc:
        raise TLSError(f"cannot read the TLS key {keyfile}: {exc.strerror or exc}") from None


def _mismatch(certfile: str, keyfile: str, cert_bytes: bytes, key_bytes: bytes) -> str:
    """Why the key does not go with the certificate: another certificate of the file is the
    key's (the chain is out of order), or none is."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        public = serialization.load_pem_private_key(key_bytes, password=None).public_key()
        mine = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        chain = x509.load_pem_x509_certificates(cert_bytes)
        matching = [i for i, cert in enumerate(chain) if cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == mine]
    except (ValueError, TypeError):
        matching = []
    if matching:
        return (f"the TLS key {keyfile} belongs to certificate {matching[0] + 1} of {certfile}, not its first: the file "
                "must start with the server's own certificate, then the chain (intermediates, not the root)")
    return f"the TLS key {keyfile} does not belong to the certificate {certfile}: give the private key the certificate " \
           "was issued for"


def _check_for_rustls(certfile: str, keyfile: str, cert_bytes: bytes, key_bytes: bytes) -> None:
    """What Granian's rustls refuses though OpenSSL takes it (its workers panicked at start)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    for path, data in ((certfile, cert_bytes), (keyfile, key_bytes)):
        if data.startswith(BOM):
            raise TLSError(f"{path} starts with a byte-order mark, which Granian (the default server) cannot read: "
                           "save it without one (or serve with --server hypercorn)")
    try:
        key = serialization.load_pem_private_key(key_bytes, password=None)
    except (ValueError, TypeError) as exc:
        raise TLSError(f"--keyfile {keyfile} is not a private key Granian (the default server) can read ({exc}): "
                       "give it as PEM, or serve with --server hypercorn") from None
    unsupported = None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in RUSTLS_CURVES:
        unsupported = f"an ECDSA key on {key.curve.name}"
    elif isinstance(key, rsa.RSAPrivateKey) and not RUSTLS_RSA_BITS[0] <= key.key_size <= RUSTLS_RSA_BITS[1]:
        unsupported = f"a {key.key_size}-bit RSA key"
    elif not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        unsupported = f"a {type(key).__name__.removeprefix('_').replace('PrivateKey', '')} key"
    if unsupported:
        raise TLSError(f"the TLS key {keyfile} is {unsupported}, which Granian (the default server) cannot serve: use "
                       "an ECDSA key on P-256 or P-384, an RSA key of 2048 to 8192 bits or an Ed25519 key, or serve "
                       "with --server hypercorn")


def _expiry_warnings(certfile: str, cert_bytes: bytes) -> list[str]:
    """A certificate outside its validity serves, but viewers refuse it: say so at start."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificates(cert_bytes)[0]
    except ValueError:
        return []
    now = time.time()
    until, since = cert.not_valid_after_utc.timestamp(), cert.not_valid_before_utc.timestamp()
    if now > until:
        return [f"warning: the TLS certificate {certfile} expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC: "
                "viewers will refuse it until it is renewed"]
    if now < since:
        return [f"warning: the TLS certificate {certfile} is not valid before "
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC: viewers will refuse it until then"]
    if until - now < 7 * 86400:
        return [f"warning: the TLS certificate {certfile} expires on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"]
    return []
