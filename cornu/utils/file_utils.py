"""`get_file`: downloads, verifies, caches and extracts files (data sets, weights)."""

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from cornu.utils import io_utils
from cornu.utils.progbar import Progbar

DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned
_CHUNK_SIZE = 1 << 16


class DownloadError(OSError):
    """Raised when a file cannot be downloaded (offline, unreachable URL, HTTP error)."""


def cornu_home():
    """Returns the cache root: `$CORNU_HOME` when set, else `~/.cornu`."""
    return os.path.expanduser(os.environ.get("CORNU_HOME") or os.path.join("~", ".cornu"))


def resolve_hasher(algorithm="auto", file_hash=None):
    """Returns a `hashlib` object for `"sha256"`, `"md5"` or `"auto"`.

    Args:
        algorithm: `"sha256"`, `"md5"` or `"auto"` (sha256 for a 64-character
            hash, md5 otherwise).
        file_hash: the expected hash, used by `"auto"`.
    """
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError("Expected `hash_algorithm` to be one of 'auto', 'sha256', 'md5'. "
                         f"Received: hash_algorithm={algorithm!r}")
    if algorithm == "sha256" or (algorithm == "auto" and (file_hash is None or len(file_hash) == 64)):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK_SIZE):
    """Returns the hex digest of a file.

    Args:
        fpath: path of the file.
        algorithm: `"sha256"`, `"md5"`, `"auto"` (sha256) or a `hashlib` object.
        chunk_size: bytes read at a time.
    """
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK_SIZE):
    """Returns whether a file's sha256 (or md5) hash equals `file_hash`.

    Args:
        fpath: path of the file.
        file_hash: the expected hex digest.
        algorithm: `"sha256"`, `"md5"` or `"auto"` (chosen from the hash's length).
        chunk_size: bytes read at a time.
    """
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).lower()


def _inside(base, relative):
    """Whether `base/relative` resolves to a path inside `base` (`base` is resolved)."""
    if os.path.isabs(relative):
        return False
    target = os.path.realpath(os.path.join(base, relative))
    return os.path.commonpath([base, target]) == base


def _check_tar_members(archive, base, archive_path):
    for member in archive.getmembers():
        safe = _inside(base, member.name)
        if safe and member.issym():
            link = os.path.join(os.path.dirname(member.name), member.linkname)
            safe = _inside(base, link)
        elif safe and member.islnk():
            safe = _inside(base, member.linkname)
        elif safe and not (member.isfile() or member.isdir()):
            safe = False  # devices and FIFOs
        if not safe:
            raise ValueError(f"Refusing to extract {archive_path!r}: member {member.name!r} "
                             f"would be written outside {base!r} or is not a regular file.")


def _check_zip_members(archive, base, archive_path):
    for name in archive.namelist():
        if not _inside(base, name):
            raise ValueError(f"Refusing to extract {archive_path!r}: member {name!r} "
                             f"would be written outside {base!r}.")


def _archive_formats(archive_format):
    if archive_format is None:
        return []
    if archive_format == "auto":
        return ["tar", "zip"]
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for name in formats:
        if name not in ("tar", "zip"):
            raise ValueError("Expected `archive_format` to be 'auto', 'tar', 'zip', a list of "
                             f"those, or None. Received: archive_format={archive_format!r}")
    return formats


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (`.tar`, `.tar.gz`, `.tar.bz2`, ...) or zip archive.

    Every member is checked first: an archive with a member that would land
    outside `path` (absolute path, `..`, link pointing outside) is refused with
    a `ValueError` and nothing is extracted. Extraction goes to a temporary
    folder next to `path`, which then replaces `path`.

    Args:
        file_path: path of the archive.
        path: folder to extract into.
        archive_format: `"auto"` (tar then zip), `"tar"`, `"zip"`, a list of
            those, or `None` (no extraction).

    Returns:
        `True` if the archive matched a format and was extracted, else `False`.
    """
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in _archive_formats(archive_format):
        is_match = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_match(file_path):
            continue
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(dir=parent, prefix=".extract-")
        base = os.path.realpath(staging)
        try:
            if kind == "tar":
                with tarfile.open(file_path) as archive:
                    _check_tar_members(archive, base, file_path)
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(base, filter="data")
                    else:  # pragma: no cover - old Python without extraction filters
                        archive.extractall(base)
            else:
                with zipfile.ZipFile(file_path) as archive:
                    _check_zip_members(archive, base, file_path)
                    archive.extractall(base)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
            os.replace(staging, path)
        finally:
            if os.path.exists(staging):
                shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


def _download(origin, target, file_hash, hash_algorithm):
    """Downloads `origin` to a temporary file next to `target`, verifies it, then moves it."""
    io_utils.print_msg(f"Downloading data from {origin}")
    folder = os.path.dirname(target)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                                   suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    bar = Progbar(total)
                    done = 0
                    for chunk in iter(lambda: response.read(_CHUNK_SIZE), b""):
                        out.write(chunk)
                        done += len(chunk)
                        bar.update(done, finalize=False)
                    bar.update(done, finalize=True)
            except urllib.error.HTTPError as error:
                raise DownloadError(f"URL fetch failure on {origin}: HTTP {error.code} "
                                    f"{error.reason}") from error
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise DownloadError(f"URL fetch failure on {origin}: {reason}") from error
        if file_hash is not None:
            hasher = resolve_hasher(hash_algorithm, file_hash)
            received = hash_file(partial, hasher)
            if received != str(file_hash).lower():
                raise ValueError(
                    f"Incomplete or corrupted file detected: {os.path.basename(target)!r} "
                    f"downloaded from {origin}. Expected {hasher.name} hash {file_hash}, "
                    f"received {received}. The file was not kept.")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def cache_folder(cache_dir=None, cache_subdir="datasets"):
    """Returns (and creates) the cache folder `<cache_dir>/<cache_subdir>`.

    Args:
        cache_dir: cache root. Defaults to `cornu_home()`; a read-only root
            falls back to `<temp folder>/.cornu`.
        cache_subdir: subfolder (an absolute path is used as is).
    """
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else cornu_home()
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):  # read-only home: fall back to the temp folder
        base = os.path.join(tempfile.gettempdir(), ".cornu")
    folder = os.path.join(base, os.fspath(cache_subdir))
    os.makedirs(folder, exist_ok=True)
    return folder


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False, archive_format="auto",
             cache_dir=None, force_download=False):
    """Downloads a file from a URL if it is not already in the cache.

    Files are cached under `~/.cornu/<cache_subdir>/<fname>` (the root is
    `$CORNU_HOME` when set, or `cache_dir`). A download goes to a temporary file
    in the same folder, is checked against `file_hash`, then moved in place, so
    the cache never holds a partial or corrupted file. A cached file whose hash
    does not match is downloaded again.

    Args:
        fname: name of the file in the cache. Defaults to the last part of
            `origin`'s path. With `extract=True`, a name without extension is
            used as the name of the extraction folder.
        origin: URL of the file.
        untar: deprecated, same as `extract=True` with `archive_format="tar"`.
        md5_hash: deprecated, md5 hash of the file (use `file_hash`).
        file_hash: expected sha256 (or md5) hash of the file.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: `"auto"`, `"sha256"` or `"md5"`.
        extract: whether to extract the file as a tar or zip archive.
        archive_format: `"auto"`, `"tar"`, `"zip"`, a list of those, or `None`.
        cache_dir: cache root, instead of `$CORNU_HOME` or `~/.cornu`.
        force_download: download even when the file is in the cache.

    Returns:
        Path of the downloaded file, or of the extraction folder with `extract`.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    resolve_hasher(hash_algorithm, file_hash)  # validates `hash_algorithm`
    datadir = cache_folder(cache_dir, cache_subdir)

    given_fname = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from origin={origin!r}. "
                         "Please specify the `fname` argument.")
    if os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError("`fname` must be a file name, not a path; use `cache_dir` or "
                         f"`cache_subdir` for the folder. Received: fname={fname!r}")

    extraction_dir = None
    if extract or untar:
        if given_fname and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            target = os.path.join(datadir, f"{fname}_archive")
            extraction_dir = os.path.join(datadir, fname)
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                   hash_algorithm):
        io_utils.print_msg(f"A local file was found at {target}, but its hash does not match "
                           f"the expected {file_hash}; downloading it again.")
        download = True

    if download:
        try:
            _download(origin, target, file_hash, hash_algorithm)
        except DownloadError as error:
            raise DownloadError(
                f"{error}. No cached copy exists at {target!r}: if this machine is offline, "
                "download the file elsewhere and copy it there (it is checked against the "
                "expected hash).") from error

    if extraction_dir is not None:
        if download or not os.path.isdir(extraction_dir):
            if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
                warnings.warn(f"Could not extract archive {target!r}: not a tar or zip file.",
                              stacklevel=2)
        return extraction_dir
    return target
