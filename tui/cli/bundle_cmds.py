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
        Verified,
    )


def _senders_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["list", "remove"], help="what to do")
    p.add_argument("name", nargs="?", help="remove: the sender's name")


@command("senders", "list or remove the senders whose bundles this vault trusts",
         _senders_args)
def cmd_senders(ctx: Context) -> int:
    from vault.bundle import senders
    args = ctx.args
    if args.action == "remove" and not args.name:
        raise UsageError("usage: evault senders remove NAME")
    with ctx.unlocked_vault() as vault:
        if args.action == "remove":
            senders.remove(vault.store, args.name)
            info(f"{args.name} removed; bundles signed by that key are refused until "
                 "trusted again")
            return 0
        known = senders.all_senders(vault.store)
    if ctx.json:
        emit_json([{"name": s.name, "sender_key": s.sender_key, "first_seen": s.first_seen,
                    "fingerprint": s.fingerprint} for s in known])
    else:
        for s in known:
            emit(f"{s.name}  first seen {s.first_seen}  {s.fingerprint}")
    return 0


def _bundle_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["verify", "open", "import"], help="what to do")
    p.add_argument("file", metavar="FILE", help="the bundle (.age, or a plain .zip)")
    p.add_argument("--identity", metavar="KEYFILE",
                   help="your age identity file (from age-keygen)")
    p.add_argument("--signer", metavar="PUBKEY",
                   help="the sender's minisign public key (its .pub file or key line)")
    p.add_argument("--out", metavar="DIR", help="open: a new or empty folder")
    p.add_argument("--trust-new-sender", metavar="NAME", dest="trust_as",
                   help="accept a sender whose key is not yet known, after comparing its "
                        "fingerprint words by phone (import: remembered under NAME)")


def _refuse_unpinned(verified: Verified, trust_as: str | None) -> None:
    """verify/open have no vault to look the sender up in: without --signer the key
    inside the bundle proves nothing about who sent it, so ask for an explicit trust."""
    from vault.bundle.senders import UnknownSender, unknown_message
    if not verified.signer_pinned and trust_as is None:
        raise UnknownSender(unknown_message(verified.sender_key).replace(
            "nothing was imported", "nothing was written; or give the key you received "
            "from them with --signer"))


@command("bundle", "verify, open or import a bundle you received", _bundle_args)
def cmd_bundle(ctx: Context) -> int:
    from vault.bundle import (
        import_bundle,
        load_identity,
        open_bundle,
        parse_signer,
        senders,
        verify_bundle,
    )
    from vault.bundle.senders import fingerprint
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
        _refuse_unpinned(verified, args.trust_as)
        if ctx.json:
            emit_json({"bundle_id": verified.bundle_id, "created": verified.created,
                       "clearance": verified.clearance, "sender_key": verified.sender_key,
                       "signer_pinned": verified.signer_pinned,
                       "encrypted": verified.encrypted, "files": len(verified.files),
                       "sender_fingerprint": fingerprint(verified.sender_key),
                       "recipients": list(verified.recipients),
                       "addressed_to_you": verified.addressed_to_reader,
                       "counts": verified.manifest.get("counts", {})})
        else:
            for line in verified.summary():
                emit(line)
            emit(f"  sender fingerprint: {fingerprint(verified.sender_key)}")
        return 0
    if args.action == "open":
        _refuse_unpinned(verify_bundle(path, identity, signer), args.trust_as)
        verified, names = open_bundle(path, identity, Path(args.out), signer)
        for line in verified.summary():
            info(line)
        info(f"{len(names)} file(s) written to {args.out}")
        return 0
    with ctx.unlocked_vault() as vault:
        verified, result = import_bundle(vault, path, identity, signer, args.trust_as)
        sender = senders.lookup(vault.store, verified.sender_key)
    for line in verified.summary():
        info(line)
    if sender is not None:
        info(f"  sender: {sender.name} (known since {sender.first_seen}; fingerprint "
             f"{sender.fingerprint})")
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
