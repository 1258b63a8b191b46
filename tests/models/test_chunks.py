"""tracker.chunks: a table file read in chunks of rows, every value text, as pandas would read it."""

import pandas as pd
import pytest

from tests.helpers import write
from tracker.chunks import read_chunks
from tracker.errors import InputError

ROWS = [("1", "Open weights win.", ""), ("2", "Sauf que \"open\" ne veut rien dire ici", "1"),
        ("3", "line one\nline two, with a comma", "2"), ("4", "", "3"), ("5", "NA", ""), ("6", "0042", "5"),
        ("7", "Déjà vu: R1, puis Qwen, puis Kimi 🐳", "6")]


def _table(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "text", "parent_id"])


@pytest.mark.parametrize("rows", [1, 3, 7, 100])
def test_chunks_hold_the_rows_asked_for_and_every_value_as_written(tmp_path, rows):
    source = tmp_path / "in.csv"
    _table().to_csv(source, index=False)
    chunks = list(read_chunks(source, rows))
    assert [len(chunk) for chunk in chunks][:-1] == [rows] * (len(chunks) - 1) and 0 < len(chunks[-1]) <= rows
    whole = pd.concat(chunks, ignore_index=True)
    # the values pandas reads with every column as text and no value taken for missing
    expected = pd.read_csv(source, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(whole, expected)
    assert whole["text"].tolist()[3:6] == ["", "NA", "0042"]


def test_only_the_columns_asked_for_are_read(tmp_path):
    source = tmp_path / "in.csv"
    _table().to_csv(source, index=False)
    (chunk,) = read_chunks(source, 10, columns=["text", "id", "author"])
    assert list(chunk.columns) == ["id", "text"]


def test_a_repeated_column_name_is_numbered_as_pandas_numbers_it(tmp_path):
    source = write(tmp_path / "in.csv", "id,text,text\n1,first,second\n")
    (chunk,) = read_chunks(source, 10)
    assert list(chunk.columns) == ["id", "text", "text.1"] and chunk.iloc[0].tolist() == ["1", "first", "second"]


def test_a_cp1252_file_a_bom_and_a_tab_separated_txt_with_quotes_are_read(tmp_path):
    legacy = write(tmp_path / "legacy.csv", "id,text\n1,Très bien, l'été\n".replace("bien, l", "bien l"), "cp1252")
    assert next(read_chunks(legacy, 10))["text"].tolist() == ["Très bien l'été"]
    bom = write(tmp_path / "bom.csv", "\ufeffid,text\n1,ok\n")
    assert list(next(read_chunks(bom, 10)).columns) == ["id", "text"]
    tweets = write(tmp_path / "tweets.txt", 'ID\tTweet\n1\t"Open" models, "free" as in beer\n')
    assert next(read_chunks(tweets, 10))["Tweet"].tolist() == ['"Open" models, "free" as in beer']


@pytest.mark.parametrize("content, message", [
    ("", "empty; a table starts with a header row"),
    ("id,text\n1,fine\n2,one,too many\n", "Expected 2 fields in line 3, saw 3"),
    ("id,text,lang\n1,fine,en\n2,short\n", "Expected 3 columns, got 2"),
])
def test_an_unreadable_table_is_one_error_naming_the_file_and_the_row(tmp_path, content, message):
    source = write(tmp_path / "bad.csv", content)
    with pytest.raises(InputError) as error:
        list(read_chunks(source, 10))
    assert "bad.csv" in str(error.value) and message in str(error.value)


def test_a_file_without_any_of_the_columns_asked_for_gives_no_chunks(tmp_path):
    source = tmp_path / "in.csv"
    _table().to_csv(source, index=False)
    assert list(read_chunks(source, 10, columns=["author", "thread_id"])) == []


def test_a_byte_that_is_not_utf8_past_the_sniffed_head_is_named_by_its_line(tmp_path):
    rows = "".join(f"{i},comment number {i} about open weights\n" for i in range(20_000))
    source = tmp_path / "late.csv"
    source.write_bytes(("id,text\n" + rows).encode() + b"20000,caf\xe9 cr\xe8me\n")
    with pytest.raises(InputError) as error:
        list(read_chunks(source, 5_000))
    assert "late.csv: not readable as utf-8 at line 20002" in str(error.value)
    assert "save it as UTF-8" in str(error.value)
