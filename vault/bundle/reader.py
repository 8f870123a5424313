"""Reading a received bundle: decrypt in memory, then read the zip defensively.

Nothing is written anywhere while reading. A bundle is attacker-controlled input until its
signature and every hash check out, so the zip is checked *before* anything is inflated:
entry count, names (plain relative ASCII paths, no ``..``, no absolute paths, no
backslashes, no duplicates), entry types (regular files only: no links, devices or
directories), no encrypted entries, declared sizes within bounds, and compression ratios
that a real bundle never reaches. Sizes are enforced again while inflating, since the
headers can lie.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyrage

from vault.errors import IntegrityError, InvalidInput, WrongKey
from vault.export.bundle import SAFE_NAME

AGE_MAGIC = b"age-encryption.org/v1\n"
AGE_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
ZIP_MAGIC = b"PK\x03\x04"
#: Bounds no honest bundle reaches; a zip bomb or a mistake hits them before inflating.
MAX_BUNDLE_BYTES = 4 * 1024**3
MAX_ENTRIES = 50_000
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_ENTRY_BYTES = 2 * 1024**3
MAX_RATIO = 50
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Identity:
    """The partner's age identities (read from an ``age-keygen`` key file)."""

    keys: tuple[pyrage.x25519.Identity, ...]


def load_identity(path: Path) -> Identity:
    """Every ``AGE-SECRET-KEY-1…`` line of an identity file (InvalidInput if none)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read the identity file {path}") from None
    keys = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-1"):
            try:
                keys.append(pyrage.x25519.Identity.from_str(line))
            except (pyrage.IdentityError, ValueError):
                raise InvalidInput("the identity file holds a malformed age secret key"
                                   ) from None
    if not keys:
        raise InvalidInput("no age secret key (AGE-SECRET-KEY-1…) in the identity file; a "
                           "passphrase-protected identity must be decrypted with age first")
    return Identity(tuple(keys))


def read_bundle_file(path: Path) -> bytes:
    """The bundle file's bytes (InvalidInput when it cannot be read or is too large)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise InvalidInput("the bundle is larger than any bundle evault writes")
        return path.read_bytes()
    except OSError:
        raise InvalidInput(f"cannot read the bundle {path}") from None


def decrypt(data: bytes, identity: Identity | None) -> tuple[bytes, bool]:
    """The zip inside ``data`` and whether it was encrypted (WrongKey, IntegrityError)."""
    if data.startswith(ZIP_MAGIC):
        return data, False
    if not (data.startswith(AGE_MAGIC) or data.lstrip().startswith(AGE_ARMOR)):
        raise IntegrityError("this is not an evault bundle (neither age nor zip)")
    if identity is None:
        raise InvalidInput("this bundle is encrypted; give your age key with --identity")
    try:
        return pyrage.decrypt(data, list(identity.keys)), True
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise WrongKey("this bundle was not encrypted to your identity (or its header "
                           "was altered); nothing was written") from None
        raise IntegrityError("the bundle is damaged or was altered (decryption failed); "
                             "nothing was written") from None


def _check_entry(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if not SAFE_NAME.match(name) or "\\" in name or name.startswith("/") or ".." in name:
        raise IntegrityError("the bundle holds a file with an unsafe name (absolute, '..', "
                             "or unexpected); refused")
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type recorded (a plain file)
    if info.is_dir() or kind not in (0, stat.S_IFREG):
        raise IntegrityError("the bundle holds a link, directory or special file; refused")
    if info.flag_bits & 0x1:
        raise IntegrityError("the bundle holds an encrypted zip entry; refused")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise IntegrityError("the bundle uses an unsupported compression; refused")
    if info.file_size > MAX_ENTRY_BYTES:
        raise IntegrityError("a file in the bundle is implausibly large; refused")
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > 1024 and \
            info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise IntegrityError("a file in the bundle expands far beyond its size (a zip "
                             "bomb?); refused")


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
               NotImplementedError, OSError)


class ZipEntries(Mapping[str, bytes]):
    """The files of a bundle's zip, checked (module docstring) but inflated only when one
    is asked for, one at a time: verifying streams each entry through its hash instead of
    holding every inflated file at once."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zf.infolist()
        except _ZIP_ERRORS:
            raise IntegrityError("the bundle's zip is damaged or was altered; refused"
                                 ) from None
        if len(infos) > MAX_ENTRIES:
            raise IntegrityError("the bundle holds too many files; refused")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise IntegrityError("the bundle holds two files with the same name; refused")
        for info in infos:
            _check_entry(info)
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise IntegrityError("the bundle would expand beyond a sane size; refused")
        self._infos = {i.filename: i for i in infos}
        self.hidden: set[str] = set()

    def __getitem__(self, name: str) -> bytes:
        if name in self.hidden:
            raise KeyError(name)
        return b"".join(self.chunks(name))

    def chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes in pieces of at most 1 MiB, sizes enforced as it inflates."""
        info = self._infos[name]
        try:
            yield from _read_entry(self._zf, info)
        except _ZIP_ERRORS:
            raise IntegrityError("the bundle's zip is damaged or was altered; refused"
                                 ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._infos and name not in self.hidden

    def size(self, name: str) -> int:
        """The size the zip declares for an entry (enforced while inflating)."""
        return self._infos[name].file_size

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._infos if n not in self.hidden)

    def __len__(self) -> int:
        return len(self._infos) - len(self.hidden & set(self._infos))


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file of the bundle's zip, after the checks in the module docstring (for
    callers that want them all; the verifier streams through :class:`ZipEntries`)."""
    entries = ZipEntries(data)
    return {name: entries[name] for name in entries}


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    # Never trust the declared size alone: read at most one byte more than it says.
    total = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(_READ_CHUNK, info.file_size + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > info.file_size:
                raise IntegrityError("a file in the bundle is larger than it declares")
            yield chunk
            if total == info.file_size:
                if fh.read(1):
                    raise IntegrityError("a file in the bundle is larger than it declares")
                break
    if total != info.file_size:
        raise IntegrityError("a file in the bundle is shorter than it declares")
