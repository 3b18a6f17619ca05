#!/usr/bin/env python3
"""Keys and tokens for bench/jwt/run.sh: an RSA-2048 and a P-256 key (fresh each run, kept in
the work directory), the dynamic configuration naming their public keys, and N tokens of each
algorithm (distinct `jti`, valid for a day) as h2load URI lists (`?t=<token>`).

    gen.py WORKDIR BACKEND_PORT N        (needs python3-cryptography)
"""
import base64
import json
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(key, alg: str, jti: int) -> str:
    header = {"alg": alg, "typ": "JWT", "kid": alg.lower()}
    now = int(time.time())
    claims = {"sub": "bench", "grp": "bench", "iat": now, "exp": now + 86400, "jti": str(jti)}
    msg = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}".encode()
    if alg == "RS256":
        sig = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{msg.decode()}.{b64(sig)}"


def pem(key) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def main() -> None:
    work, backend, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    keys = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
    }
    tokens = {alg: [token(k, alg, i) for i in range(n)] for alg, k in keys.items()}
    with open(f"{work}/dynamic.yml", "w") as out:
        out.write(TEMPLATE.format(
            backend=backend,
            rs_token=tokens["RS256"][0],
            es_token=tokens["ES256"][0],
            rs_pem=json.dumps(pem(keys["RS256"])),
            es_pem=json.dumps(pem(keys["ES256"])),
        ))
    for alg, list_ in tokens.items():
        with open(f"{work}/uris.{alg}", "w") as out:
            out.writelines(f"/?t={t}\n" for t in list_)


# Routers by Host: `plain` adds a bearer token with a headers middleware and goes on (the
# baseline of the remembered-token scenarios, as bench/auth); `rs`/`es` add the same token,
# then verify it (RS256 / ES256 public key), so after the first request the token is
# remembered; `bare` has no middleware (the baseline of the verify scenarios); `rsv`/`esv`
# read a different token from the query on every request, so every request is verified.
TEMPLATE = """http:
  routers:
    plain: {{rule: "Host(`plain.local`)", service: backend, middlewares: [rs-token]}}
    rs: {{rule: "Host(`rs.local`)", service: backend, middlewares: [rs-token, rs-jwt]}}
    es: {{rule: "Host(`es.local`)", service: backend, middlewares: [es-token, es-jwt]}}
    bare: {{rule: "Host(`bare.local`)", service: backend}}
    rsv: {{rule: "Host(`rsv.local`)", service: backend, middlewares: [rs-jwt]}}
    esv: {{rule: "Host(`esv.local`)", service: backend, middlewares: [es-jwt]}}
  middlewares:
    rs-token: {{headers: {{customRequestHeaders: {{Authorization: "Bearer {rs_token}"}}}}}}
    es-token: {{headers: {{customRequestHeaders: {{Authorization: "Bearer {es_token}"}}}}}}
    rs-jwt: {{jwt: {{publicKey: {rs_pem}, algorithms: [RS256], tokenKey: t, forwardHeaders: {{X-User: sub}}}}}}
    es-jwt: {{jwt: {{publicKey: {es_pem}, algorithms: [ES256], tokenKey: t, forwardHeaders: {{X-User: sub}}}}}}
  services:
    backend:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:{backend}
"""

if __name__ == "__main__":
    main()
