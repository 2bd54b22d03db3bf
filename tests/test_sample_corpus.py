"""The bundled sample corpus (what `make run` serves) ingests cleanly and shows the features."""
from pathlib import Path

from vankien.ingest import pipeline, store

SAMPLE = Path(__file__).parent.parent / "corpus" / "sample"


def test_bundled_sample_ingests_cleanly_with_variety(tmp_path):
    summary = pipeline.run([SAMPLE], tmp_path, progress=False)
    assert summary.failed == 0 and summary.copies == 1     # the portal page is a copy of its CMS record
    conn = store.connect(tmp_path)
    live = "FROM documents d JOIN versions v ON v.id = d.current_version"
    provinces = {r[0] for r in conn.execute(f"SELECT DISTINCT province {live}")}
    years = {r[0] for r in conn.execute(f"SELECT DISTINCT substr(date, 1, 4) {live} WHERE date <> ''")}
    types = {r[0] for r in conn.execute(f"SELECT DISTINCT doc_type {live}")}
    assert {"Hải Dương", "Hà Tĩnh", "Hà Nam", "Kiên Giang", "Đắk Nông"} <= provinces
    assert len(years) >= 5 and len(types) >= 6
    daksong = conn.execute(f"SELECT COUNT(*), SUM(province = 'Đắk Nông') {live}"
                           " WHERE d.source_path LIKE 'daksong/%'").fetchone()
    assert daksong[0] == daksong[1]       # the folder's manifest supplies the province


def test_bundled_embeddings_cover_the_sample_and_verify(tmp_path, encoder):
    """The shipped vectors match this encoder and this pipeline's paragraphs (else `make sample-embeddings`)."""
    from vankien.search.embeddings_file import FILE_NAME, import_embeddings
    pipeline.run([SAMPLE], tmp_path, progress=False)
    conn = store.connect(tmp_path)
    result = import_embeddings(conn, encoder, SAMPLE / FILE_NAME)      # verifies a re-embedded sample
    needed = conn.execute("SELECT COUNT(DISTINCT content_hash) FROM paragraphs").fetchone()[0]
    assert result.imported >= 0.95 * needed, (result, needed)
