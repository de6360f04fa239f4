"""Every ``>>>`` example in kerasgen runs: each module whose source shows one is run as
doctests (``doctest.ELLIPSIS``), and must have at least one that doctest finds, so an example
written where doctest cannot see it (a string that is not a docstring) or only as comments
(``>>> # model.fit(...)``, which doctest skips) fails too. This is the one place examples run.
"""

import doctest
import importlib
import pathlib
import pkgutil

import pytest

import kerasgen

ROOT = pathlib.Path(kerasgen.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages(kerasgen.__path__, "kerasgen."))


def _source(name):
    relative = pathlib.Path(*name.split(".")[1:])
    package = ROOT / relative / "__init__.py"
    return (package if package.exists() else ROOT / relative.with_suffix(".py")).read_text()


WITH_EXAMPLES = [name for name in ["kerasgen", *MODULES] if ">>> " in (
    (ROOT / "__init__.py").read_text() if name == "kerasgen" else _source(name))]


def test_most_modules_show_an_example():
    assert len(WITH_EXAMPLES) >= 40, WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name, data_dir, monkeypatch):
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(data_dir))  # examples on the real datasets
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(module, name):
        if test.filename == module.__file__:  # not examples of names it imports
            runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{name} shows '>>> ' examples that doctest does not find"
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed"
