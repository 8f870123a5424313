"""The partner side: ``evault bundle verify | open | import``.

``verify`` and ``open`` need no vault (a partner may only want to read a bundle);
``import`` stores the records in the partner's own vault and asks for its passphrase.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info
from tui.cli.secrets import UsageError

if TYPE_CHECKING:
    from vault.bundle import (
        Identity,
    )


def _bundle_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["verify", "open", "import"], help="what to do")
    p.add_argument("file", metavar="FILE", help="the bundle (.age, or a plain .zip)")
    p.add_argument("--identity", metavar="KEYFILE",
                   help="your age identity file (from age-keygen)")
    p.add_argument("--signer", metavar="PUBKEY",
                   help="the sender's minisign public key (its .pub file or key line)")
    p.add_argument("--out", metavar="DIR", help="open: a new or empty folder")


@command("bundle", "verify, open or import a bundle you received", _bundle_args)
def cmd_bundle(ctx: Context) -> int:
    from vault.bundle import import_bundle, load_identity, open_bundle, parse_signer, verify_bundle
    args = ctx.args
    identity: Identity | None = load_identity(Path(args.identity)) if args.identity else None
    signer = parse_signer(args.signer) if args.signer else None
    path = Path(args.file)
    if args.action == "open" and not args.out:
        raise UsageError("usage: evault bundle open FILE --identity KEYFILE --out DIR")
    if args.action != "open" and args.out:
        raise UsageError("--out is only for 'bundle open'")
    if args.action == "verify":
        verified = verify_bundle(path, identity, signer)
        if ctx.json:
            emit_json({"bundle_id": verified.bundle_id, "created": verified.created,
                       "clearance": verified.clearance, "sender_key": verified.sender_key,
                       "signer_pinned": verified.signer_pinned,
                       "encrypted": verified.encrypted, "files": len(verified.files),
                       "counts": verified.manifest.get("counts", {})})
        else:
            for line in verified.summary():
                emit(line)
        return 0
    if args.action == "open":
        verified, names = open_bundle(path, identity, Path(args.out), signer)
        for line in verified.summary():
            info(line)
        info(f"{len(names)} file(s) written to {args.out}")
        return 0
    with ctx.unlocked_vault() as vault:
        verified, result = import_bundle(vault, path, identity, signer)
    for line in verified.summary():
        info(line)
    if result.already:
        info(f"bundle {verified.bundle_id} was already imported; nothing changed")
    else:
        info(f"imported {result.added} record(s) ({result.reused} already known from this "
             f"sender, {result.stubs} stub(s) for people referred to, {result.skipped} "
             f"skipped for lack of a required field, {result.dropped_fields} unknown "
             f"field(s) and {result.dropped_references} reference(s) dropped; "
             f"{result.attachments_left} attachment(s) stay in the bundle: use "
             "'bundle open')")
    emit(verified.bundle_id)
    return 0
