"""Opening, creating and committing to the lake's Delta tables (delta-rs), with the errors an
operator can act on.

Each table is a Delta table at ``<lake>/<table>/``. Its schema version lives in the table's
configuration (``digestlake.schema_version``); a table written by a newer digestlake is
refused. A missing or corrupt log is a LakeError naming the table, not a Rust backtrace.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import polars as pl
from deltalake import CommitProperties, DeltaTable, Schema
from deltalake.exceptions import DeltaError, DeltaProtocolError, TableNotFoundError

from digestlake.core.location import Location
from digestlake.core.tables import SCHEMA_VERSION, TableSpec

VERSION_KEY = "digestlake.schema_version"
RUN_KEY = "digestlake.run_id"  # in the commit info of every commit a run makes
ROWS_KEY = "digestlake.rows"  # {"added": n, "updated": n, "deleted": n} of that commit
LOG = "_delta_log"
LEGACY_FILE = "part-0.parquet"  # the one name schema 1 and 2 gave every data file

# Removed files are kept this long (``digestlake vacuum``'s default) and the log as long: the
# window for rollback and ``publish --as-of``.
RETENTION = "interval 30 days"
TABLE_PROPERTIES = {
    VERSION_KEY: str(SCHEMA_VERSION),
    "delta.logRetentionDuration": RETENTION,
    "delta.deletedFileRetentionDuration": RETENTION,
}


class LakeError(RuntimeError):
    """The lake cannot be read or written: unreadable files or folders, a full disk, a
    read-only one, a file where the lake should be, a broken table log, or a table newer than
    this version of digestlake understands."""


# What an operator has to fix, by the errno a write failed with.
_WRITE_FAILURES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only",
    errno.EACCES: "read-only (permission denied)",
    errno.EPERM: "read-only (operation not permitted)",
}


def _in_the_way(path: str | None, root: str) -> str:
    """The file that stands where a folder of the lake should be (EEXIST, ENOTDIR)."""
    here = Path(path or root)
    while not here.exists() and here != here.parent:
        here = here.parent
    return f"{here} is a file, not a folder"


@contextmanager
def writing(root: str) -> Iterator[None]:
    """An OSError writing the lake at ``root`` as a LakeError saying what to fix."""
    try:
        yield
    except OSError as exc:
        code = exc.errno if exc.errno is not None else _os_error_in(str(exc))
        if code in (errno.EEXIST, errno.ENOTDIR):
            reason = _in_the_way(exc.filename, root)
        else:
            reason = _WRITE_FAILURES.get(code) or exc.strerror or str(exc)
        raise LakeError(f"cannot write the lake at {root}: {reason}") from exc


def _os_error_in(said: str) -> int | None:
    """The errno delta-rs reports inside its own text (``... (os error 28)``)."""
    code = re.search(r"os error (\d+)", said)
    return int(code[1]) if code else None


def storage_options(url: str) -> dict[str, str] | None:
    """What delta-rs needs to reach an object store, from the environment the store's own
    tools read (delta-rs does not read boto's files). None for a local lake."""
    scheme = urlsplit(url).scheme
    if scheme not in ("s3", "s3a"):
        return None
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION")
    options = {k: os.environ[k] for k in names if os.environ.get(k)}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["AWS_REGION"] = region
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def delta_schema(spec: TableSpec) -> Schema:
    return Schema.from_arrow(spec.empty().to_arrow().schema)


class Tables:
    """The Delta tables of one lake root: where each lives and how to open it."""

    def __init__(self, location: Location) -> None:
        self.location = location
        url = location.url
        self.remote = not location.local
        self.base = url.rstrip("/") if self.remote else os.path.abspath(location.root)
        self.options = storage_options(url)

    def uri(self, table: str) -> str:
        return f"{self.base}/{table}"

    def exists(self, table: str) -> bool:
        """Whether the table has a commit (a log folder left empty by a create that failed,
        on a full disk say, is no table yet)."""
        log = self.location.path(f"{table}/{LOG}")
        try:
            if not self.location.fs.isdir(log):
                return False
            names = self.location.fs.ls(log, detail=False, refresh=True)
        except OSError as exc:
            raise LakeError(f"the lake cannot be read: {self.uri(table)}: {exc}") from exc
        if any(n.endswith(".json") or ".checkpoint." in n for n in names):
            return True
        if self.location.find(table, ".parquet"):
            raise LakeError(
                f"the lake cannot be read: table {table} at {self.uri(table)}: its log holds "
                "no commit, yet data files are there (a damaged table; restore its _delta_log)"
            )
        return False

    def open(
        self, spec: TableSpec, version: int | None = None, legacy_ok: bool = False
    ) -> DeltaTable | None:
        """The table (at ``version``, else the latest), or None when it does not exist yet.
        A table still in the Parquet layout of schema 1 or 2 is refused unless ``legacy_ok``
        (read as missing, it would answer every query with nothing)."""
        if not self.exists(spec.name):
            self._check_folder(spec.name)
            if not legacy_ok and self.location.find(spec.name, LEGACY_FILE):
                raise LakeError(
                    f"table {spec.name} at {self.uri(spec.name)} is in the layout of an earlier "
                    "digestlake (Parquet files); the next verb that writes (digestlake run, "
                    "ingest, ...) converts the lake to Delta tables"
                )
            return None
        with self.reading(spec.name):
            dt = DeltaTable(self.uri(spec.name), version=version, storage_options=self.options)
        check_version(dt, spec.name, self.uri(spec.name))
        return dt

    def _check_folder(self, table: str) -> None:
        """No table: either none yet, or a lake root that is a file or cannot be listed
        (which would otherwise read as an empty lake and answer every query with nothing)."""
        if self.remote:
            return
        for where in (Path(self.base), Path(self.base) / table):
            try:
                if not where.exists():
                    return
                if not where.is_dir():
                    raise LakeError(f"the lake cannot be read: {where} is a file, not a folder")
                os.listdir(where)
            except PermissionError as exc:
                raise LakeError(f"the lake cannot be read: {where}: {exc.strerror}") from exc

    def create(self, spec: TableSpec, commit: CommitProperties | None) -> DeltaTable:
        with self.writing(spec.name):
            return DeltaTable.create(
                self.uri(spec.name),
                delta_schema(spec),
                mode="error",
                partition_by=[spec.partition_by] if spec.partition_by else None,
                configuration=TABLE_PROPERTIES,
                storage_options=self.options,
                commit_properties=commit,
                raise_if_key_not_exists=False,
            )

    def commit_info(self, table: str, version: int) -> dict | None:
        """The commit info of one version, read from its log entry (one GET; delta-rs'
        ``history`` lists the log, and reads it wrongly at a pinned version). None once the
        log no longer holds it."""
        # Not from a listing cached before the commit (s3fs answers from its cached listing).
        self.location.fs.invalidate_cache(self.location.path(f"{table}/{LOG}"))
        try:
            entry = self.location.read_bytes(f"{table}/{LOG}/{version:020d}.json")
        except FileNotFoundError:
            return None
        first = entry.split(b"\n", 1)[0]
        return json.loads(first).get("commitInfo") if first.strip() else None

    def evolve(self, dt: DeltaTable, spec: TableSpec, commit: CommitProperties) -> None:
        """Columns the spec has and the table not yet are added (Delta schema evolution; old
        files read them as null), and the schema version is raised to this digestlake's."""
        have = {f.name for f in dt.schema().fields}
        missing = [f for f in delta_schema(spec).fields if f.name not in have]
        with self.writing(spec.name):
            if missing:
                dt.alter.add_columns(missing, commit_properties=commit)
            if int(dt.metadata().configuration.get(VERSION_KEY, "0")) < SCHEMA_VERSION:
                dt.alter.set_table_properties(
                    {VERSION_KEY: str(SCHEMA_VERSION)}, raise_if_not_exists=False,
                    commit_properties=commit,
                )  # fmt: skip

    @contextmanager
    def reading(self, table: str) -> Iterator[None]:
        """delta-rs and OS errors reading ``table`` as a LakeError naming it."""
        try:
            yield
        except (TableNotFoundError, DeltaError, DeltaProtocolError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            where = f"table {table} at {self.uri(table)}"
            raise LakeError(f"the lake cannot be read: {where}: {self._why(table, first)}") from exc

    def _why(self, table: str, said: str) -> str:
        """What delta-rs said, with the folder or file it could not read when that is why
        (its own message names neither)."""
        if self.remote or isinstance(said, OSError):
            return said
        log = Path(self.base) / table / LOG
        try:
            for entry in sorted(os.listdir(log)):
                with open(log / entry, "rb"):
                    pass
        except OSError as exc:
            return f"{exc.filename}: {exc.strerror} ({said})"
        return said

    @contextmanager
    def writing(self, table: str) -> Iterator[None]:
        try:
            with writing(self.base):
                yield
        except (DeltaError, DeltaProtocolError) as exc:
            said = str(exc)
            # delta-rs reports the OS error inside its own text: a full or read-only disk is
            # said as the rest of the lake says it.
            if (code := _os_error_in(said)) in _WRITE_FAILURES:
                reason = _WRITE_FAILURES[code]
                raise LakeError(f"cannot write the lake at {self.base}: {reason}") from exc
            where = f"table {table} at {self.uri(table)}"
            raise LakeError(f"cannot commit to {where}: {said.strip().splitlines()[0]}") from exc


def check_version(dt: DeltaTable, table: str, uri: str) -> None:
    found = int(dt.metadata().configuration.get(VERSION_KEY, "0"))
    if found > SCHEMA_VERSION:
        raise LakeError(
            f"table {table} at {uri} has schema version {found}; this digestlake reads up to "
            f"{SCHEMA_VERSION}. Upgrade digestlake."
        )


def commit_properties(
    run_id: str | None, rows: dict[str, int] | None = None, extra: dict[str, str] | None = None
) -> CommitProperties:
    """The commit info digestlake adds to a commit: which run made it and what it changed."""
    meta: dict[str, str] = dict(extra or {})
    if run_id:
        meta[RUN_KEY] = run_id
    if rows is not None:
        meta[ROWS_KEY] = json.dumps(rows, sort_keys=True)
    return CommitProperties(custom_metadata=meta or None)


_FILES = {
    "path": pl.String, "size_bytes": pl.Int64, "num_records": pl.Int64, "partition": pl.String,
}  # fmt: skip


def add_actions(dt: DeltaTable | None, stats: tuple[str, ...] = ()) -> pl.DataFrame:
    """The table's live files: path (as on disk, relative to the table), size, rows, the
    partition value (``partition``, null for a table without partitions), and for each column
    of ``stats`` delta-rs' ``min.``, ``max.`` and ``null_count.`` (null where a file has none)."""
    actions = pl.DataFrame(dt.get_add_actions(flatten=True)) if dt is not None else None
    recorded = {
        f"{kind}.{c}": pl.Int64 if kind == "null_count" else pl.String
        for c in stats
        for kind in ("min", "max", "null_count")
    }
    if actions is None or actions.is_empty():
        return pl.DataFrame(schema=_FILES | recorded)
    part = [c for c in actions.columns if c.startswith("partition.")]
    return actions.select(
        pl.col("path").map_elements(unquote, return_dtype=pl.String),  # the log encodes it
        pl.col("size_bytes").cast(pl.Int64),
        pl.col("num_records").cast(pl.Int64),
        (pl.col(part[0]) if part else pl.lit(None, pl.String)).alias("partition"),
        *[
            (pl.col(name) if name in actions.columns else pl.lit(None)).cast(t).alias(name)
            for name, t in recorded.items()
        ],
    )
