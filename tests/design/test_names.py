"""Names that become path components (suite.design.names)."""
import pytest

from suite.design import names
from suite.errors import UserError


@pytest.mark.parametrize("name", ["smoke", "depth", "mc_dropout", "seeds=1,epochs=2", "search-hyperband",
                                  "a" * 100, "0", "a..b"])
def test_safe_names_pass_unchanged(name):
    assert names.component(name, "profile") == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "/abs", "a/b", "a\x00b", "a\nb", "-rf", ".hidden",
                                  "a" * 101, "a b", "a\\b", None, 3])
def test_anything_else_is_refused_in_one_line(name):
    with pytest.raises(UserError, match="cannot be a directory name") as caught:
        names.component(name, "profile")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text, expected", [
    ("seeds=1,epochs=2", "seeds=1,epochs=2"),
    ("seeds=1,optimizer_options={'nesterov': True}", "seeds=1,optimizer_options=_nesterov_True"),
    ("x=../../victim", "x=.._.._victim"),
    ("", ""),
    (".hidden", "n.hidden"),
])
def test_labels_are_safe_and_keep_the_names_they_had(text, expected):
    assert names.label(text) == expected
    long = names.label("k=" + "v" * 300)
    assert len(long) == names.MAX_NAME and names.SAFE.fullmatch(long)


@pytest.mark.parametrize("key", ["a/b", "a\x00b", "x" * 151, "", ".."])
def test_a_trial_key_must_be_a_file_name(key):
    with pytest.raises(UserError, match="cannot be a file name"):
        names.file_stem(key)
