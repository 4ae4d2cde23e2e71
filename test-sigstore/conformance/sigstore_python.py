"""Cross-check test-sigstore fixtures with sigstore-python, an independent
verifier: every `accept-*` bundle must verify and every `reject-*` bundle
must be rejected under the same trusted root and identity policy.

    python sigstore_python.py DIR    (DIR from the sigstore_python_fixtures example)
"""

import json
import sys
from pathlib import Path

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy


def verify(verifier, identity_policy, bundle_path, blob, digest_hex):
    bundle = Bundle.from_json(bundle_path.read_text())
    if "-dsse-" in bundle_path.name:
        payload_type, payload = verifier.verify_dsse(bundle, identity_policy)
        statement = json.loads(payload)
        digests = [s["digest"].get("sha256") for s in statement["subject"]]
        if payload_type != "application/vnd.in-toto+json" or digest_hex not in digests:
            raise ValueError(f"statement does not name {digest_hex}")
    else:
        verifier.verify_artifact(blob, bundle, identity_policy)


def main():
    fixtures = Path(sys.argv[1])
    settings = json.loads((fixtures / "policy.json").read_text())
    verifier = Verifier(trusted_root=TrustedRoot.from_file(fixtures / "trusted_root.json"))
    identity_policy = policy.Identity(identity=settings["identity"], issuer=settings["issuer"])
    blob = (fixtures / "blob.txt").read_bytes()
    digest_hex = settings["digest"].removeprefix("sha256:")
    passed = failed = 0
    for path in sorted(fixtures.glob("*.sigstore.json")):
        expected = path.name.split("-", 1)[0]
        try:
            verify(verifier, identity_policy, path, blob, digest_hex)
            outcome, detail = "accept", ""
        except Exception as error:  # every rejection reason counts as a rejection
            outcome, detail = "reject", f"{type(error).__name__}: {error}"[:160]
        ok = outcome == expected
        passed += ok
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {outcome} {detail}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
