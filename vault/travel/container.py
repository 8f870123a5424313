"""The sealed file: a tar stream, encrypted with age, signed inside.

Layout of the tar (in this order)::

    trip.json               format, trip id, vault id, time (read first: a file from
                            another vault or trip is refused before anything is written)
    rows-NNNNN.jsonl        table rows of sealed records, parents first ([table, {col: v}])
    search-NNNNN.jsonl      search index entries ({"id", "kind", "date", "texts"})
    drafts.json             the app's drafts that were sealed
    blobs/<name>            attachment blobs as they were on disk (still encrypted with
                            their own keys, which travel in the attachments rows)
    manifest.json           counts (never titles or values), and every entry above with
                            its size and SHA-256
    manifest.json.minisig   minisign signature of manifest.json by the vault's own key

Why tar: it streams in both directions (``tarfile`` modes ``w|`` and ``r|``) so neither
sealing nor restoring holds gigabytes in memory, and ``age -d -i KEY FILE | tar t`` lists
it with standard tools. Why a thread: pyrage streams from a reader into a writer
(``encrypt_io``/``decrypt_io``) while ``tarfile`` writes into (reads from) a file object,
so the two meet through an OS pipe, pyrage on a thread of its own. Nothing of the
plaintext touches a named file; the output is an unnamed file linked into place only when
complete (:func:`vault.fsutil.new_file_streamed`).

Why sign when age already authenticates: age to a public recipient is not
sender-authenticated (anyone holding the public key can make a file for it), so the
manifest is signed with the vault's minisign key and checked before anything commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyrage

from crypto import signing
from crypto.errors import CryptoError
from vault import fsutil
from vault.errors import IntegrityError, InvalidInput, VaultError, WrongKey

FORMAT = "evault-travel/1"
TRIP = "trip.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
BLOBS = "blobs/"
_CHUNK = 1 << 20


@dataclass
class Entry:
    """One file of the sealed tar, as listed in the manifest."""

    name: str
    size: int
    sha256: str


class _HashingReader(io.RawIOBase):
    """Reads a file while hashing it, for entries whose bytes are not in memory."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        return len(data)


class Writer:
    """Adds entries to the tar inside the age stream; :meth:`finish` signs."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self._tar = tar
        self.entries: list[Entry] = []

    def add_bytes(self, name: str, data: bytes) -> None:
        """One entry from memory."""
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self.entries.append(Entry(name, len(data), hashlib.sha256(data).hexdigest()))

    def add_file(self, name: str, path: Path) -> None:
        """One entry streamed from a file (a blob), hashed as it goes."""
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            info = tarfile.TarInfo(name)
            info.size = size
            info.mode = 0o600
            reader = _HashingReader(fh)
            self._tar.addfile(info, io.BufferedReader(reader, _CHUNK))
            if fh.tell() != size:
                raise InvalidInput("an attachment file changed while it was sealed; "
                                   "nothing was changed")
        self.entries.append(Entry(name, size, reader.digest.hexdigest()))

    def finish(self, key: signing.SigningKey, trip_id: str, counts: dict[str, Any]) -> str:
        """Write the manifest and its signature; returns the manifest's SHA-256."""
        manifest = {"format": FORMAT, "trip_id": trip_id, "counts": counts,
                    "files": [e.__dict__ for e in self.entries]}
        data = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
        digest = hashlib.sha256(data).hexdigest()
        signature = signing.sign_prehashed(
            key, data, f"evault travel seal trip:{trip_id} manifest-sha256:{digest}",
            "evault travel seal (verify with the vault's own public key)")
        for name, body in ((MANIFEST, data), (SIGNATURE, signature.encode("ascii"))):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            info.mode = 0o600
            self._tar.addfile(info, io.BytesIO(body))
        return digest


@contextlib.contextmanager
def sealing(out: Path, recipient: pyrage.x25519.Recipient) -> Iterator[Writer]:
    """Stream a tar through age into ``out`` (which must not exist). The file is named
    only when the ``with`` body ends without error; otherwise nothing is left."""
    with fsutil.new_file_streamed(out, what="writing the sealed file") as fd:
        read_fd, write_fd = os.pipe()
        errors: list[BaseException] = []

        def encrypt() -> None:
            try:
                with open(read_fd, "rb", buffering=0) as source, \
                        open(fd, "wb", closefd=False) as sink:
                    pyrage.encrypt_io(source, sink, [recipient])
                    sink.flush()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)

        thread = threading.Thread(target=encrypt, name="evault-travel-age", daemon=True)
        thread.start()
        pipe = open(write_fd, "wb", buffering=_CHUNK)  # noqa: SIM115 - closed below
        try:
            with tarfile.open(fileobj=pipe, mode="w|", format=tarfile.PAX_FORMAT,
                              bufsize=_CHUNK) as tar:
                yield Writer(tar)
        except BaseException:
            with contextlib.suppress(OSError):
                pipe.close()
            thread.join()
            if errors:  # the encryption failed first (a full disk…): that is the cause
                raise _encrypt_error(errors[0]) from None
            raise
        closing: OSError | None = None
        try:
            pipe.close()
        except OSError as exc:
            closing = exc
        thread.join()
        if errors:
            raise _encrypt_error(errors[0]) from None
        if closing is not None:
            raise fsutil.storage_error(closing, "writing the sealed file") from None


def _encrypt_error(exc: BaseException) -> Exception:
    if isinstance(exc, OSError):
        return fsutil.storage_error(exc, "writing the sealed file")
    return InvalidInput("the sealed file could not be encrypted; nothing was changed")


# -- reading ---------------------------------------------------------------------------


@dataclass
class Opened:
    """What :func:`entries` found once the whole file has been read and checked."""

    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""


def _decrypt_error(exc: BaseException) -> Exception:
    if "no matching keys" in str(exc).lower():
        return WrongKey("this sealed file does not open with that key (the recovery key "
                        "or identity it was sealed to); nothing was changed")
    return IntegrityError("the sealed file is damaged, cut short or not a sealed file; "
                          "nothing was changed")


EntryHandler = Callable[[str, IO[bytes], int], None]


def read(path: Path, identity: pyrage.x25519.Identity, public: signing.PublicKey,
         handle: EntryHandler) -> Opened:
    """Decrypt ``path`` and give every entry but the manifest and its signature to
    ``handle(name, stream, size)`` in order, hashing each; then check the manifest lists
    exactly those entries and that the vault's own key signed it. Any failure raises
    (WrongKey, IntegrityError), and the caller rolls back what ``handle`` did."""
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed by the thread
    except FileNotFoundError:
        raise InvalidInput(f"no sealed file at {path}") from None
    except OSError as exc:
        raise fsutil.storage_error(exc, "reading the sealed file") from None
    read_fd, write_fd = os.pipe()
    errors: list[BaseException] = []

    def decrypt() -> None:
        try:
            with source, open(write_fd, "wb", buffering=0) as sink:
                pyrage.decrypt_io(source, sink, [identity])
        except BrokenPipeError:
            pass  # the reader stopped early (it raised); its error is the one to report
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    thread = threading.Thread(target=decrypt, name="evault-travel-age", daemon=True)
    thread.start()
    pipe = open(read_fd, "rb", buffering=_CHUNK)  # noqa: SIM115 - closed below
    seen: list[Entry] = []
    opened = Opened()
    signature = b""
    manifest_bytes = b""
    failed: VaultError | None = None
    try:
        try:
            with tarfile.open(fileobj=pipe, mode="r|", bufsize=_CHUNK) as tar:
                for member in tar:
                    if not member.isfile():
                        raise IntegrityError("the sealed file holds an entry that is not a "
                                             "file; nothing was changed")
                    stream = tar.extractfile(member)
                    assert stream is not None
                    if member.name in (MANIFEST, SIGNATURE):
                        body = stream.read(1 << 24)
                        if member.name == MANIFEST:
                            opened.manifest_sha256 = hashlib.sha256(body).hexdigest()
                            manifest_bytes = body
                        else:
                            signature = body
                        continue
                    if signature or opened.manifest_sha256:
                        raise IntegrityError("the sealed file has entries after its "
                                             "manifest; nothing was changed")
                    hashing = _HashingReader(stream)
                    if failed is None:
                        try:
                            handle(member.name, io.BufferedReader(hashing, _CHUNK),
                                   member.size)
                        except VaultError as exc:
                            if member.name == TRIP:
                                raise  # another vault, another trip: say so at once
                            # Unverified content: finish reading and check the signature
                            # first, so a forged file is called forged, not odd.
                            failed = exc
                    hashing.read()  # whatever the handler left unread is hashed too
                    seen.append(Entry(member.name, member.size, hashing.digest.hexdigest()))
        except tarfile.TarError:
            raise IntegrityError("the sealed file is damaged or cut short; nothing was "
                                 "changed") from None
    except BaseException:
        pipe.close()
        thread.join()
        if errors and isinstance(errors[0], pyrage.DecryptError):
            raise _decrypt_error(errors[0]) from None
        raise
    pipe.close()
    thread.join()
    if errors:
        if isinstance(errors[0], pyrage.DecryptError):
            raise _decrypt_error(errors[0]) from None
        raise IntegrityError("the sealed file could not be read; nothing was changed")
    if not opened.manifest_sha256 or not signature:
        raise IntegrityError("the sealed file has no signed manifest (cut short?); nothing "
                             "was changed")
    try:
        signing.verify(public, manifest_bytes, signature.decode("ascii", "replace"))
    except CryptoError:
        raise IntegrityError("the sealed file's signature is not this vault's: it was made "
                             "by another vault or altered; nothing was changed") from None
    try:
        opened.manifest = json.loads(manifest_bytes)
        listed = [Entry(**e) for e in opened.manifest["files"]]
    except (ValueError, KeyError, TypeError):
        raise IntegrityError("the sealed file's manifest is damaged; nothing was "
                             "changed") from None
    if listed != seen:
        raise IntegrityError("the sealed file does not match its signed manifest; nothing "
                             "was changed")
    if failed is not None:
        raise failed
    return opened
