"""Tables (`kerasgen.data.tables`): named tables, CSV files and DataFrames read with their
column kinds, missing values kept, a seeded stratified split, and bad tables refused with a
ValueError naming the argument or the column."""

import numpy as np
import pandas as pd
import pytest

from kerasgen.data.tables import load_table


def _csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name, rows, target, kinds", [
    ("iris", 150, "class", {"continuous": 4, "categorical": 1}),
    ("wine", 178, "class", {"continuous": 11, "discrete": 2, "categorical": 1}),
    ("breast_cancer", 569, "class", {"continuous": 30, "categorical": 1}),
    ("diabetes", 442, "progression", {"continuous": 10, "discrete": 1}),
])
def test_scikit_learn_tables_by_name(name, rows, target, kinds):
    table = load_table(name)
    assert len(table) == rows and table.target == target and table.names[-1] == target
    counted = {k: sum(c.kind == k for c in table.columns) for k in kinds}
    assert counted == kinds


def test_the_split_is_seeded_disjoint_complete_and_stratified():
    whole = load_table("wine")
    train, test = (load_table("wine", split=s, split_seed=3) for s in ("train", "test"))
    assert len(train) + len(test) == len(whole) and len(test) == round(0.2 * len(whole))
    key = ["alcohol", "proline", "color_intensity"]
    rows = lambda t: set(map(tuple, t.frame[key].to_numpy()))  # noqa: E731
    assert not rows(train) & rows(test) and rows(train) | rows(test) == rows(whole)
    again = load_table("wine", split="test", split_seed=3)
    pd.testing.assert_frame_equal(again.frame, test.frame)
    other = load_table("wine", split="test", split_seed=4)
    assert rows(other) != rows(test)
    shares = [t.frame["class"].value_counts(normalize=True).sort_index() for t in (whole, test)]
    np.testing.assert_allclose(shares[0], shares[1], atol=0.03)  # stratified by the target
    # Every split describes its columns alike (vocabularies from every row).
    assert train.columns == test.columns == whole.columns


def test_adult_has_its_official_split_and_keeps_missing_values(data_dir):
    train = load_table("adult", split="train", data_dir=data_dir)
    test = load_table("adult", split="test", data_dir=data_dir)
    assert (len(train), len(test)) == (32561, 16281)
    assert train.target == "Y" and test.column("Y").categories == ("<=50K", ">50K")
    assert set(test.frame["Y"]) == {"<=50K", ">50K"}  # adult.test's trailing '.' removed
    assert train.column("age").kind == "discrete" and train.column("age").minimum == 17
    raw = (data_dir / "adult" / "adult.data.csv").read_text().splitlines()[1:]
    written = sum(line.split(", ")[1] == "?" for line in raw if line)
    assert train.column("workclass").has_missing and not train.column("age").has_missing
    assert train.frame["workclass"].isna().sum() == written > 0  # '?' kept as missing
    assert "?" not in train.column("workclass").categories
    declared = load_table("adult", split="test", data_dir=data_dir, categorical="education-num",
                          max_rows=50)
    assert declared.column("education-num").kind == "categorical" and len(declared) == 50
    # A named table's own categorical target may be named again without a clash.
    assert load_table("iris", categorical=["class"]).column("class").kind == "categorical"


def test_csv_columns_are_inferred_overridden_and_missing_values_kept(tmp_path):
    path = _csv(tmp_path, "height, count, colour, member, zip\n"
                          "1.5, 3, red, True, 01234\n"
                          "?, 4, , false, 02345\n"
                          "2.25, , blue, TRUE, 01234\n"
                          "3.0, 7, red, False, 09999\n")
    table = load_table(path)
    kinds = {c.name: c.kind for c in table.columns}
    assert kinds == {"height": "continuous", "count": "discrete", "colour": "categorical",
                     "member": "boolean", "zip": "discrete"}
    height = table.column("height")
    assert height.has_missing and (height.minimum, height.maximum) == (1.5, 3.0)
    assert np.isnan(table.frame["height"][1]) and table.frame["count"].isna().sum() == 1
    assert table.column("colour").categories == ("blue", "red")
    assert table.frame["colour"][1] is None and table.column("colour").has_missing
    declared = load_table(path, categorical=["zip"], continuous="count")
    assert declared.column("zip").categories == ("01234", "02345", "09999")  # text kept
    assert declared.column("count").kind == "continuous"
    frame = pd.DataFrame({"x": [0.5, 1.5, np.nan], "label": ["a", "b", "a"]})
    from_frame = load_table(frame, target="label")
    assert from_frame.column("x").has_missing and from_frame.target == "label"


@pytest.mark.parametrize("text, kwargs, match", [
    ("", {}, "`source`.*no header"),
    ("a, b\n", {}, "`source`.*no rows"),
    ("a, b\n1, 2\n3, 4, 5\n", {}, "`source` must be a CSV file with 2 fields in every row.*row 3 has 3 fields"),
    ("a, b\n1, 2\n3\n", {}, "`source`.*row 3 has 1 fields"),
    ("a, a\n1, 2\n", {}, "`source`.*repeated"),
    ("a, b\n" + "".join(f"{i}.5, x\n" for i in range(12)) + "n/a, y\n", {},
     "`a` must be numbers.*categorical=.*holding text \\('n/a'\\)"),
    ("a, b\n1, ?\n2, \n", {}, "`b` must be at least one value.*every value is missing"),
    ("a, b\n1, x\n2, y\n", dict(continuous=["b"]), "`b` must be numbers only.*'x'"),
    ("a, b\n1, x\n2, y\n", dict(categorical=["c"]), "`categorical` must be a column name"),
    ("a, b\n1, x\n2, y\n", dict(categorical=["a"], discrete=["a"]), "`discrete`.*named once"),
    ("a, b\n1, x\n2, y\n", dict(target="y"), "`target` must be a column"),
    ("a, b\n1, x\n2, y\n", dict(split="validation"), "`split`"),
    ("a, b\n1, x\n2, y\n", dict(test_fraction=1.5), "`test_fraction`"),
])
def test_bad_tables_are_refused_naming_the_argument_or_the_column(tmp_path, text, kwargs,
                                                                  match):
    with pytest.raises(ValueError, match=match):
        load_table(_csv(tmp_path, text), **kwargs)


def test_a_missing_file_and_a_wrong_source_type_are_refused(tmp_path):
    with pytest.raises(ValueError, match="`source` must be an existing CSV file"):
        load_table(str(tmp_path / "none.csv"))
    with pytest.raises(ValueError, match="`source`.*a list"):
        load_table([[1, 2]])
    with pytest.raises(ValueError, match="`data_dir`.*adult.data.csv"):
        load_table("adult", data_dir=tmp_path)
