#!/usr/bin/python3
"""A second, independent implementation of camstream's tickets, for the tests.

It is what a web shop would write: a few lines around Debian's PyJWT
(python3-jwt) and python3-cryptography, none of camstream's code. If the
daemon accepts what this mints, and this verifies what `camstreamd ticket
mint` prints, the ticket format is the standard one docs/ACCESS.md describes
(JWT, EdDSA over Ed25519, RFC 7519 and RFC 8037).

  mint_ticket.py keygen --private FILE [--kid KID] [--public FILE]
      Writes a new Ed25519 private key (PKCS#8 PEM, mode 0600) and prints the
      line the camera's access.ticket_keys_file takes: `KID ed25519:BASE64URL`
      (the raw 32-byte public key, base64url without padding); with --public,
      appends that line to FILE too.

  mint_ticket.py [mint] --key PEM [--kid KID | --no-kid] --claims JSON [--claims JSON ...]
      Prints one ticket a line, one per --claims (a JSON object, passed to
      jwt.encode as it is). --key may be a file `camstreamd ticket keygen`
      wrote: its `# kid: KID` line is the default kid. For the tests'
      refusals: --alg none (unsigned) or --alg HS256 --secret TEXT, and
      --payload TEXT, which signs TEXT as the claims part as it is (first).

  mint_ticket.py verify --public-line "KID ed25519:BASE64URL" [--any-time] TICKET
      Verifies TICKET with that public key (algorithm pinned to EdDSA, no
      audience check; exp and nbf too unless --any-time) and prints
      {"header": ..., "claims": ...} as JSON; exits 1 when it does not verify.
"""

import argparse
import base64
import json
import os
import sys

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def from_base64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read_private_key(path: str):
    """The PEM block of a key file and the kid named by a `# kid: KID` line, if any."""
    with open(path, encoding="ascii") as file:
        text = file.read()
    kid = None
    for line in text.splitlines():
        if line.startswith("# kid:"):
            kid = line[len("# kid:"):].strip()
            break
    begin = text.find("-----BEGIN")
    if begin < 0:
        sys.exit(f"{path}: no PEM block")
    return text[begin:].encode("ascii"), kid


def keygen(arguments) -> int:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    line = f"{arguments.kid} ed25519:{base64url(raw)}"
    descriptor = os.open(arguments.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    if arguments.public:
        with open(arguments.public, "a", encoding="ascii") as file:
            file.write(line + "\n")
    print(line)
    return 0


def mint(arguments) -> int:
    kid = arguments.kid
    if arguments.alg == "none":
        key = None
    elif arguments.alg == "HS256":
        if arguments.secret is None:
            sys.exit("--alg HS256 needs --secret")
        key = arguments.secret
    else:
        if arguments.key is None:
            sys.exit("--key is required for EdDSA")
        key, file_kid = read_private_key(arguments.key)
        kid = kid or file_kid
    headers = {"kid": kid} if kid and not arguments.no_kid else {}
    if arguments.payload is not None:
        # Signed as it is, JSON or not: a ticket whose signature holds but whose claims do not parse.
        print(jwt.api_jws.encode(arguments.payload.encode("utf-8"), key, algorithm=arguments.alg,
                                 headers=headers or None))
    for claims_text in arguments.claims:
        claims = json.loads(claims_text)
        if not isinstance(claims, dict):
            sys.exit("--claims must be a JSON object")
        print(jwt.encode(claims, key, algorithm=arguments.alg, headers=headers or None))
    return 0


def verify(arguments) -> int:
    kid, _, encoded = arguments.public_line.strip().partition(" ")
    if not encoded.startswith("ed25519:"):
        sys.exit("--public-line must read 'KID ed25519:BASE64URL'")
    public_key = Ed25519PublicKey.from_public_bytes(from_base64url(encoded[len("ed25519:"):]))
    try:
        header = jwt.get_unverified_header(arguments.ticket)
        options = {"verify_aud": False, "require": ["exp"]}
        if arguments.any_time:
            options.update(verify_exp=False, verify_nbf=False, verify_iat=False)
        claims = jwt.decode(arguments.ticket, public_key, algorithms=["EdDSA"], options=options)
    except jwt.PyJWTError as error:
        print(f"not valid: {error}", file=sys.stderr)
        return 1
    if header.get("kid") not in (None, kid):
        print(f"not valid: kid {header.get('kid')!r} is not {kid!r}", file=sys.stderr)
        return 1
    print(json.dumps({"header": header, "claims": claims}, sort_keys=True))
    return 0


def main(argv) -> int:
    command = "mint"
    if argv and argv[0] in ("keygen", "mint", "verify"):
        command, argv = argv[0], argv[1:]
    parser = argparse.ArgumentParser(prog=f"mint_ticket.py {command}")
    if command == "keygen":
        parser.add_argument("--private", required=True)
        parser.add_argument("--kid", default="shop")
        parser.add_argument("--public")
        return keygen(parser.parse_args(argv))
    if command == "verify":
        parser.add_argument("--public-line", required=True)
        parser.add_argument("--any-time", action="store_true", help="do not check exp and nbf")
        parser.add_argument("ticket")
        return verify(parser.parse_args(argv))
    parser.add_argument("--key")
    parser.add_argument("--kid")
    parser.add_argument("--no-kid", action="store_true")
    parser.add_argument("--alg", default="EdDSA", choices=["EdDSA", "none", "HS256"])
    parser.add_argument("--secret")
    parser.add_argument("--claims", action="append", default=[])
    parser.add_argument("--payload", help="sign these bytes as the claims part, as they are")
    return mint(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
