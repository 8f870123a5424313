"""Commands about the vault itself: init, passwd, recover, whoami, check, backup, wipe."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info
from tui.cli.secrets import UsageError


def _weak_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--accept-weak", action="store_true",
                   help="accept a passphrase the strength estimate calls weak")


def _new_passphrase(ctx: Context, what: str) -> str:
    """Ask for a new passphrase and apply the app's strength rule (zxcvbn)."""
    from vault.errors import PolicyRefused
    from vault.strength import estimate
    passphrase = ctx.secrets.ask_new(what)
    if estimate(passphrase).weak and not getattr(ctx.args, "accept_weak", False):
        raise PolicyRefused("this passphrase is weak: an attacker who copies the vault could "
                            "guess it. Use several unrelated words (or add --accept-weak); "
                            "nothing was changed")
    return passphrase


@command("init", "create a new vault (asks for a passphrase twice; prints the recovery key)",
         _weak_args)
def cmd_init(ctx: Context) -> int:
    from vault.errors import VaultExists
    from vault.session import Vault, params_for_new_vault
    path = ctx.vault_path
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise VaultExists(f"{path} already exists and is not empty; refusing to overwrite")
    passphrase = _new_passphrase(ctx, "passphrase")
    params, note = params_for_new_vault(progress=info)
    created = Vault.create(path, passphrase, params=params, kdf_note=note, actor="cli")
    created.vault.close()
    if note:
        info(f"warning: {note}")
    info(f"created the vault at {path} ({params.describe()})")
    info("Write the recovery key on paper and keep it apart from this device. It is shown "
         "only now; with it, the vault can be opened if the passphrase is forgotten.")
    emit(f"recovery key: {created.recovery_key}")
    return 0


def _new_recovery_key(text: str | None) -> None:
    if text is not None:
        info("This vault's recovery key was replaced (the old one no longer opens it). Write "
             "the new one on paper and keep it apart from this device; it is shown only now.")
        emit(f"recovery key: {text}")


_NEW_KEY_NOTE = ("a new master key is in force: copies of the vault made before now (old "
                 "backups, old header files) open only with the keys of then, and only the "
                 "data as it was then")


@command("passwd", "change the passphrase and put a new master key in force", _weak_args)
def cmd_passwd(ctx: Context) -> int:
    from vault.session import params_for_existing_vault
    vault = ctx.unlocked_vault()
    with vault:
        new = _new_passphrase(ctx, "new passphrase")
        params, note = params_for_existing_vault(vault.header_params(), progress=info)
        rkey = vault.change_passphrase(new, params, note)
    info(f"passphrase changed; {_NEW_KEY_NOTE}")
    _new_recovery_key(rkey)
    return 0


@command("recover", "unlock with the recovery key, set a new passphrase and a new master key",
         _weak_args)
def cmd_recover(ctx: Context) -> int:
    from vault.session import params_for_existing_vault
    vault = ctx.locked_vault()
    key = ctx.secrets.ask("Recovery key: ", "recovery key")
    vault.unlock_with_recovery(key)
    with vault:
        new = _new_passphrase(ctx, "new passphrase")
        params, note = params_for_existing_vault(vault.header_params(), progress=info)
        rkey = vault.change_passphrase(new, params, note)
    info(f"new passphrase set; {_NEW_KEY_NOTE}")
    if rkey is None:
        info("the recovery key still works")
    _new_recovery_key(rkey)
    return 0


def _rotate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-recovery-key", action="store_true",
                   help="re-wrap the new master key for the recovery key you have instead "
                        "of making a new recovery key")


@command("rotate", "put a new master key and a new recovery key in force (same passphrase)",
         _rotate_args)
def cmd_rotate(ctx: Context) -> int:
    vault = ctx.locked_vault()
    passphrase = ctx.secrets.ask("Passphrase: ")
    vault.unlock(passphrase)
    with vault:
        rkey = vault.rotate_keys(passphrase,
                                 new_recovery_key=not ctx.args.keep_recovery_key)
    info(f"keys rotated; {_NEW_KEY_NOTE}")
    _new_recovery_key(rkey)
    return 0


@command("whoami", "print the vault's public signing key (minisign format)")
def cmd_whoami(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        key = vault.public_key_minisign()
    sys.stdout.write(key)
    from crypto.signing import PublicKey
    from vault.bundle.senders import fingerprint

    line = PublicKey.from_minisign(key).base64_line()
    info(f"fingerprint words (read them to a partner who receives your bundles): "
         f"{fingerprint(line)}")
    return 0


def _shred_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="a record id or a unique prefix of one")


@command("shred", "delete a record and its attachments for good, then put a new master key "
         "in force", _shred_args)
def cmd_shred(ctx: Context) -> int:
    vault = ctx.locked_vault()
    passphrase = ctx.secrets.ask("Passphrase: ")
    vault.unlock(passphrase)
    with vault:
        records = vault.services.records
        rid = records.resolve(ctx.args.id)
        attachments = vault.services.attachments
        for attachment in attachments.list(rid):
            attachments.detach(attachment.id)
        records.delete(rid)
        # A new master key: pages of the old database key that survive in free blocks or
        # old WAL frames no longer open with the passphrase in force.
        vault.rotate_keys(passphrase, new_recovery_key=False)
    info(f"record {rid} and its attachments are shredded; a new master key is in force "
         "(the recovery key still works). Backups made before now still hold it.")
    return 0


def _check_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("--repair", action="store_true",
                   help="also remove orphaned files that no record references")


@command("check", "verify the header, database, audit chain and attachments", _check_args)
def cmd_check(ctx: Context) -> int:
    from vault.errors import EXIT_INTEGRITY
    with ctx.unlocked_vault() as vault:
        if getattr(ctx.args, "repair", False):
            from vault.checks import all_checks

            for step in all_checks():
                for line in step.repair(vault) if step.repair else []:
                    info(f"repaired ({step.name}): {line}")
        report = vault.check()
    if ctx.json:
        emit_json({"ok": report.ok, "checked": report.checked, "problems": report.problems})
    else:
        for item in report.checked:
            emit(f"checked: {item}")
        for problem in report.problems:
            emit(f"PROBLEM: {problem}")
        emit("ok" if report.ok else f"{len(report.problems)} problem(s) found")
    return 0 if report.ok else EXIT_INTEGRITY


def _backup_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", required=True, metavar="PATH", help="a new directory for the copy")


@command("backup", "write a consistent encrypted copy of the whole vault", _backup_args)
def cmd_backup(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        vault.backup(Path(ctx.args.to))
    info(f"encrypted backup written to {ctx.args.to}; it opens with the same passphrase")
    return 0


def _wipe_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--panic", action="store_true", required=True,
                   help="required: destroy the vault now (no passphrase asked)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")


@command("wipe", "crypto-shred the vault: destroy its keys first, then its files", _wipe_args)
def cmd_wipe(ctx: Context) -> int:
    from vault.session import Vault, wipe
    path = ctx.vault_path
    Vault.open(path)  # NoVault if there is nothing to wipe
    if not ctx.args.yes:
        if not sys.stdin.isatty():
            raise UsageError("wipe asks for confirmation on a terminal; add --yes in scripts")
        answer = input(f"Destroy the vault at {path} for ever? Type WIPE to confirm: ")
        if answer.strip() != "WIPE":
            info("not wiped")
            return 1
    wipe(path)
    info("the vault's keys are destroyed and its files removed. On SSDs and some "
         "filesystems old blocks may survive, but without the header they are noise.")
    return 0
