"""Catalogue of user-facing messages: key → (Vietnamese, English). See i18n.py."""

MESSAGES = {
    # ingest
    "ingest.error": ("lỗi: {source}: {reason}", "error: {source}: {reason}"),
    "ingest.warning": ("cảnh báo: {source}: {note}", "warning: {source}: {note}"),
    "ingest.summary": (
        "văn bản: {added} thêm mới, {updated} cập nhật, {unchanged} không đổi, {moved} chuyển chỗ"
        " ({copies} là bản sao của văn bản khác), {failed} lỗi; {paragraphs} đoạn; {elapsed} s ({rate} văn bản/s)",
        "documents: {added} added, {updated} updated, {unchanged} unchanged, {moved} moved"
        " ({copies} copies of other documents), {failed} failed; {paragraphs} paragraphs; {elapsed} s"
        " ({rate} documents/s)"),
    "ingest.skipped": ("bỏ qua {failed} đầu vào: xem các dòng lỗi ở trên",
                       "skipped {failed} input(s): see the error lines above"),
    "ingest.wait_lock": ("đang chờ một lượt nhập/lập chỉ mục khác của {kb} kết thúc (tiến trình {pid})",
                         "waiting for another ingest/index of {kb} to finish (process {pid})"),
    "index.summary": (
        "chỉ mục: thế hệ {generation}, {paragraphs} đoạn của {documents} văn bản; nhúng mới {embedded} đoạn"
        " ({rate} đoạn/s), {cached} lấy từ bộ nhớ đệm; bộ mã hóa {encoder}; chỉ mục vectơ {backend}",
        "index: generation {generation}, {paragraphs} paragraphs of {documents} documents; {embedded} embedded now"
        " ({rate} paragraphs/s), {cached} from cache; encoder {encoder}; dense index {backend}"),
    "index.unchanged": ("chỉ mục: không có gì thay đổi (thế hệ {generation}, {paragraphs} đoạn của {documents}"
                        " văn bản)",
                        "index: nothing changed (generation {generation}, {paragraphs} paragraphs of {documents}"
                        " documents)"),
    "embeddings.exported": ("đã xuất {count} vectơ (bộ mã hóa {fingerprint}) vào {path}",
                            "exported {count} vectors (encoder {fingerprint}) to {path}"),
    "embeddings.imported": ("đã nhập {imported} vectơ mới, {known} đã có, {skipped} bỏ qua (không dùng trong kho)"
                            " từ {path}",
                            "imported {imported} new vectors, {known} already cached, {skipped} skipped (not used"
                            " in the knowledge base) from {path}"),
    # browsing
    "documents.count": ("{count} văn bản", "{count} document(s)"),
    "documents.cut": ("hiển thị {first}–{last} trong {total} văn bản (xem tiếp: --offset {next})",
                      "showing {first}–{last} of {total} documents (more: --offset {next})"),
    "documents.pending": ("{count} văn bản đã nhập nhưng chưa lập chỉ mục nên chưa hiện: chạy 'vankien index'",
                          "{count} ingested document(s) are not indexed yet, so not shown: run 'vankien index'"),
    "document.missing": ("không có văn bản số {doc_id}", "no document with id {doc_id}"),
    "search.none": ("Không tìm thấy kết quả.", "No results."),
    "search.unaccented": (" Thử gõ có dấu, ví dụ 'dân vận khéo' thay vì 'dan van kheo'.",
                          " Try typing with diacritics, e.g. 'dân vận khéo' instead of 'dan van kheo'."),
    "search.total": ("{total} kết quả, {ms} ms", "{total} results, {ms} ms"),
    "search.similar": ("(+{n} tương tự)", "(+{n} similar)"),
    # serving
    "serve.url": ("Văn kiện: http://{host}:{port}/  (kho {kb}; Ctrl+C để dừng)",
                  "Văn kiện: http://{host}:{port}/  (knowledge base {kb}; Ctrl+C to stop)"),
    "serve.seeding": ("kho {kb} trống: đang nhập {seed} (chỉ lần chạy đầu)",
                      "knowledge base {kb} is empty: ingesting {seed} (first run only)"),
    "serve.indexing": ("kho {kb} có văn bản chưa lập chỉ mục: đang lập chỉ mục",
                       "knowledge base {kb} has documents not indexed yet: indexing"),
    # errors
    "error.prefix": ("Lỗi: {message}", "Error: {message}"),
    "error.no_kb": ("không có kho dữ liệu ở {kb} (chạy 'vankien ingest' trước)",
                    "no knowledge base at {kb} (run 'vankien ingest' first)"),
    "error.no_index": ("{kb} chưa có chỉ mục tìm kiếm: chạy 'vankien index'",
                       "{kb} has no search index yet: run 'vankien index'"),
    "error.schema": ("kho dữ liệu có lược đồ phiên bản {found}, bản vankien này cần {needed}: nhập lại kho ngữ liệu"
                     " vào một thư mục --kb mới",
                     "knowledge base schema version {found}, this vankien needs {needed}: re-ingest the corpus"
                     " into a new --kb directory"),
    "error.column": ("cần dạng TRƯỜNG=CỘT, nhận được {item!r}", "expected FIELD=COLUMN, got {item!r}"),
}

# Readers' reasons for skipping an input, and notes on stored ones (English, as the readers
# write them) → Vietnamese.
REASONS = (
    (r"^converted from (.*) to Unicode$", r"đã chuyển từ bảng mã \1 sang Unicode"),
    (r"^URL (.*) is not http\(s\): kept in the fields, not used$",
     r"URL \1 không phải http(s): giữ trong các trường gốc, không dùng để trích dẫn"),
    (r"^page (\d+): OCR confidence ([\d.]+)(.*)— stored but marked$",
     r"trang \1: độ tin cậy nhận dạng \2\3— vẫn lưu nhưng đánh dấu"),
    (r"^page (\d+): OCR confidence ([\d.]+)(.*)— too poor to store, dropped$",
     r"trang \1: độ tin cậy nhận dạng \2\3— quá kém, không lưu"),
    (r"^no such file or folder$", "không có tệp hay thư mục này"),
    (r"^empty file$", "tệp rỗng"),
    (r"^binary file \(NUL bytes\), not text$", "tệp nhị phân (có byte NUL), không phải văn bản"),
    (r"^not (UTF-8|UTF-16) text: undecodable byte (0x\w+) at offset (\d+)$",
     r"không phải văn bản \1: byte \2 ở vị trí \3 không giải mã được"),
    (r"^cannot determine the text encoding(.*)$", r"không xác định được bảng mã của văn bản\1"),
    (r"^cannot open file: (.*)$", r"không mở được tệp: \1"),
    (r"^file of ([\d.]+) MB is over the (\d+) MB limit \(--max-file-mb\)$",
     r"tệp \1 MB vượt giới hạn \2 MB (--max-file-mb)"),
    (r"^over the time budget of ([\d.]+) s \(--max-seconds\)$", r"vượt thời gian cho phép \1 s (--max-seconds)"),
    (r"^over the memory budget(.*)$", r"vượt bộ nhớ cho phép\1"),
    (r"^worker process died while reading \(exit code (.*)\)$", r"tiến trình đọc tệp bị dừng (mã thoát \1)"),
    (r"^rest of the file skipped after (\d+) rows over budget$", r"bỏ qua phần còn lại của tệp sau \1 dòng quá hạn"),
    (r"^malformed CSV row: (.*)$", r"dòng CSV hỏng: \1"),
    (r"^CSV file has no readable header row$", "tệp CSV không có dòng tiêu đề đọc được"),
    (r"^bad JSON line: (.*)$", r"dòng JSON hỏng: \1"),
    (r"^JSON line is not an object$", "dòng JSON không phải một đối tượng"),
    (r"^bad JSON front matter: (.*)$", r"phần đầu JSON hỏng: \1"),
    (r"^JSON front matter is not an object$", "phần đầu JSON không phải một đối tượng"),
    (r"^HTML with no extractable text(.*)$", r"trang HTML không có văn bản trích được\1"),
    (r"^document structure nested too deeply$", "cấu trúc văn bản lồng quá sâu"),
    (r"^(\w+) files are not supported$", r"chưa hỗ trợ tệp \1"),
    (r"^corrupt image \((.*)\)$", r"tệp ảnh hỏng (\1)"),
    (r"^corrupt (PDF|DOCX|image)\b[:( ]*(.*?)\)?$", r"tệp \1 hỏng (\2)"),
    (r"^(DOC|DOCX) has no text$", r"tệp \1 không có chữ"),
    (r"^no readable text in the (PDF|image) \((.*)\)$", r"không đọc được chữ nào trong \1 (\2)"),
    (r"^not a Word \.doc \(no OLE compound-file header\)$", "không phải tệp Word .doc (thiếu phần đầu OLE)"),
    (r"^legacy Word \.doc needs antiword: (.*)$", r"tệp Word .doc cũ cần antiword: \1"),
    (r"^(.*)OCR needs Tesseract, which is not installed: (.*)$",
     r"\1nhận dạng chữ (OCR) cần Tesseract nhưng chưa cài: \2"),
    (r"^(.*)encrypted(.*)$", r"\1được mã hóa\2"),
)
