"""Generates the scale bench's configurations.

  gen.py routes N OUT.yml BACKEND_PORT...   N routers `r<i>` (Host(`h<i>.scale.test`)) each
                                            with its own service `s<i>`, whose one server is
                                            backend i % len(ports)
  gen.py certs N DIR                        a CA and N ECDSA P-256 leaf certificates for
                                            c<i>.scale.test, and DIR/dynamic.yml listing them
                                            (tls.certificates) with one router per name
"""
import datetime
import os
import sys


def routes(n, out, ports):
    with open(out + ".tmp", "w") as f:
        f.write("http:\n  routers:\n")
        for i in range(n):
            f.write(f"    r{i}:\n      rule: Host(`h{i}.scale.test`)\n      service: s{i}\n")
        f.write("  services:\n")
        for i in range(n):
            port = ports[i % len(ports)]
            f.write(f"    s{i}:\n      loadBalancer:\n        servers:\n"
                    f"          - url: http://127.0.0.1:{port}\n")
    os.replace(out + ".tmp", out)


def certs(n, d, port):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(f"{d}/certs", exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scale bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    with open(f"{d}/ca.pem", "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    pem = serialization.Encoding.PEM
    pk8 = serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    with open(f"{d}/dynamic.yml", "w") as y:
        y.write("tls:\n  certificates:\n")
        for i in range(n):
            name = f"c{i}.scale.test"
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (x509.CertificateBuilder()
                    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                    .issuer_name(ca_name).public_key(key.public_key()).serial_number(i + 2)
                    .not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=30))
                    .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                    .sign(ca_key, hashes.SHA256()))
            with open(f"{d}/certs/{i}.crt", "wb") as f:
                f.write(cert.public_bytes(pem))
            with open(f"{d}/certs/{i}.key", "wb") as f:
                f.write(key.private_bytes(pem, pk8, none))
            y.write(f"    - certFile: {d}/certs/{i}.crt\n      keyFile: {d}/certs/{i}.key\n")
        y.write("http:\n  routers:\n    any:\n      rule: HostRegexp(`.+`)\n      service: s\n"
                "      tls: {}\n  services:\n    s:\n      loadBalancer:\n        servers:\n"
                f"          - url: http://127.0.0.1:{port}\n")


if __name__ == "__main__":
    if sys.argv[1] == "routes":
        routes(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    else:
        certs(int(sys.argv[2]), sys.argv[3], sys.argv[4])
