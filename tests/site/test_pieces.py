"""Files made of pieces: remade piece by piece, they equal a file made whole; a file that is not
the one the index describes, or an index of other code or settings, is not trusted."""

from __future__ import annotations

import json
from pathlib import Path

from communs.site.pieces import Pieced, write_pieced


def pieced(values: dict[str, str], made: list[str]) -> Pieced:
    def make(name: str):
        def piece():
            made.append(name)
            return values[name].encode(), len(values[name])
        return piece

    return Pieced([(name, values[name], make(name)) for name in sorted(values)],
                  head=lambda metas: f"[{sum(metas)}]\n".encode(), tail=lambda metas: b"\n.\n", separator=b",\n")


def test_only_changed_pieces_are_made_and_the_bytes_equal_a_whole_file(tmp_path: Path):
    target, index = tmp_path / "out.txt", tmp_path / "index.json"
    made: list[str] = []
    values = {"a": "un", "b": "deux", "c": "trois"}
    assert write_pieced(target, pieced(values, made), index, "v1")
    assert made == ["a", "b", "c"]
    made.clear()
    values = {"a": "un", "b": "DEUX", "d": "quatre"}  # b changed, c gone, d new
    assert write_pieced(target, pieced(values, made), index, "v1")
    assert made == ["b", "d"]
    assert target.read_bytes() == pieced(values, []).whole() == b"[12]\nun,\nDEUX,\nquatre\n.\n"
    made.clear()
    assert not write_pieced(target, pieced(values, made), index, "v1") and made == []


def test_a_file_changed_by_hand_or_another_version_is_made_whole(tmp_path: Path):
    target, index = tmp_path / "out.txt", tmp_path / "index.json"
    values = {"a": "un", "b": "deux"}
    write_pieced(target, pieced(values, []), index, "v1")
    target.write_bytes(target.read_bytes().replace(b"un", b"UN"))  # same size, other bytes
    made: list[str] = []
    write_pieced(target, pieced(values, made), index, "v1")
    assert made == ["a", "b"] and target.read_bytes() == pieced(values, []).whole()
    made.clear()
    write_pieced(target, pieced(values, made), index, "v2")  # other code or settings
    assert made == ["a", "b"]
    index.write_text("not json")
    made.clear()
    write_pieced(target, pieced(values, made), index, "v2")
    assert made == ["a", "b"] and json.loads(index.read_text())["version"] == "v2"


def test_pieces_are_streamed_in_chunks_and_an_unchanged_file_keeps_its_time(tmp_path: Path, monkeypatch):
    """A file bigger than the chunk read at a time, copied span by span from the last build."""
    import os

    from communs.site import pieces
    from communs.site.outputs import write_chunks_if_changed

    monkeypatch.setattr(pieces, "CHUNK", 7)  # several chunks per span and per file
    target, index = tmp_path / "out.txt", tmp_path / "index.json"
    values = {f"k{n:02d}": f"value number {n}" for n in range(30)}
    assert write_pieced(target, pieced(values, []), index, "v1")
    assert target.read_bytes() == pieced(values, []).whole()
    os.utime(target, ns=(1, 1))
    made: list[str] = []
    assert not write_pieced(target, pieced(values, made), index, "v1") and made == []
    assert target.stat().st_mtime_ns == 1
    values["k07"] = "changed"
    del values["k20"]
    assert write_pieced(target, pieced(values, made), index, "v1") and made == ["k07"]
    assert target.read_bytes() == pieced(values, []).whole()
    assert write_pieced(tmp_path / "plain.txt", pieced(values, []), None) and (tmp_path / "plain.txt").read_bytes() == target.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json", "out.txt", "plain.txt"]  # no scratch file left

    # Chunks compared with the file there: same bytes keep it, a longer or shorter text replaces it.
    os.utime(target, ns=(1, 1))
    whole = target.read_bytes()
    assert not write_chunks_if_changed(target, [whole[:5], whole[5:]]) and target.stat().st_mtime_ns == 1
    assert write_chunks_if_changed(target, [whole, b"+"]) and target.read_bytes() == whole + b"+"
    assert write_chunks_if_changed(target, [whole[:-1]]) and target.read_bytes() == whole[:-1]
    assert write_chunks_if_changed(tmp_path / "new" / "file.txt", iter([b"a", b"b"])) and (tmp_path / "new" / "file.txt").read_bytes() == b"ab"


def test_a_built_file_is_written_beside_then_renamed_readable_by_all(tmp_path: Path):
    """Its folder made when missing, readable by all whatever the umask, a scratch name a
    crashed run left behind never in the way, and nothing left beside it."""
    import os
    import threading

    from communs.site.outputs import write_if_changed

    target = tmp_path / "a" / "b" / "page.html"
    before = os.umask(0o077)
    try:
        assert write_if_changed(target, b"one")
    finally:
        os.umask(before)
    assert target.read_bytes() == b"one" and target.stat().st_mode & 0o777 == 0o644
    leftover = target.parent / f".page.html.{os.getpid()}.{threading.get_ident()}.tmp"
    leftover.write_bytes(b"half a file")
    assert write_if_changed(target, b"two") and target.read_bytes() == b"two" and target.stat().st_mode & 0o777 == 0o644
    assert not write_if_changed(target, b"two")
    assert sorted(p.name for p in target.parent.iterdir()) == [leftover.name, "page.html"]  # only what was there before
