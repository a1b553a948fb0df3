"""The backup file: one tar holding manifest.json and the database copy."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
from pathlib import Path

from app.backup.manifest import MANIFEST_MEMBER, BackupError, Manifest, parse

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write(out: Path, manifest: Manifest, database: Path) -> None:
    """Write the tar beside ``out`` and move it into place: no half-written backup ever has
    the final name."""
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        raw = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.size, info.mtime = len(raw), int(time.time())
        tar.addfile(_private(info), io.BytesIO(raw))
        tar.add(database, arcname=manifest.database_member, filter=_private)
    partial.chmod(0o600)
    os.replace(partial, out)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Health data: readable by its owner only, once unpacked."""
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def read(path: Path, workdir: Path) -> tuple[Manifest, Path]:
    """The manifest, and the database member extracted into ``workdir`` and checked
    against the manifest's size and SHA-256."""
    try:
        with tarfile.open(path, "r:") as tar:
            manifest = parse(_member_bytes(tar, MANIFEST_MEMBER))
            database = workdir / manifest.database_member
            _extract(tar, manifest.database_member, database)
    except (tarfile.TarError, EOFError):
        raise BackupError("it is not a Stepcare backup (not a readable tar file), or it was "
                          "cut short") from None
    if database.stat().st_size != manifest.database_size or \
            sha256_of(database) != manifest.database_sha256:
        raise BackupError(f"its {manifest.database_member} does not match the manifest's size "
                          "and SHA-256 (the file was cut short or changed)")
    return manifest, database


def _member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"it holds no {name}, so it is not a Stepcare backup") from None
    if not member.isfile():
        raise BackupError(f"its {name} is not a plain file")
    return member


def _member_bytes(tar: tarfile.TarFile, name: str) -> bytes:
    stream = tar.extractfile(_member(tar, name))
    assert stream is not None  # a plain file always has a stream
    return stream.read()


def _extract(tar: tarfile.TarFile, name: str, target: Path) -> None:
    stream = tar.extractfile(_member(tar, name))
    assert stream is not None
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            out.write(chunk)
