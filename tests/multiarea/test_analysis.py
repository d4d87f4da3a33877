"""Fig 5's scoring on hand-built banks: which trials the criterion reads, curves per condition, bad settings."""

import copy

import numpy as np
import pytest

from cordsnet.config import ConfigError, load_config, validate_config
from cordsnet.multiarea import tasks as T
from cordsnet.multiarea.analysis import easy, per_condition
from tests.conftest import REPO


def _bank(condition, target, n_choices=2):
    n = len(condition)
    return T.Bank("x", np.zeros((n, 1, 2, 2)), [100.0], {}, np.asarray(target), np.asarray(condition, float),
                  n_choices)


def test_easy_trials_per_task():
    assert easy("category", _bank([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], [0] * 6)).tolist() == [1, 1, 0, 0, 1, 1]
    assert easy("motion", _bank([0.0, 0.8, 0.4, 0.8], [0] * 4)).tolist() == [0, 1, 0, 1]
    assert easy("numerosity_match", _bank([0, 1, -1, 2, -2], [1, 0, 0, 0, 0])).tolist() == [1, 0, 0, 1, 1]
    assert easy("odr", _bank([0, 1, 2], [0, 1, 2], 8)).all()


def test_curves_per_condition():
    bank = _bank([0.0, 0.0, 1.0, 1.0], [0, 0, 1, 1])
    out = per_condition(np.array([True, False, True, True]), bank, choice=np.array([0, 1, 1, 1]))
    assert out["values"] == [0.0, 1.0] and out["accuracy"] == [0.5, 1.0] and out["trials"] == [2, 2]
    assert out["chose_second"] == [0.5, 1.0]


def test_bad_multiarea_settings_are_refused_naming_the_key():
    cfg = load_config(REPO / "config" / "config.yaml")
    cases = [({"numerosity": {**cfg["multiarea"]["numerosity"], "max_dots": 30}}, "multiarea.numerosity.max_dots"),
             ({"category": {**cfg["multiarea"]["category"], "fractions": [0.0, 0.5]}}, "multiarea.category.fractions"),
             ({"category": {**cfg["multiarea"]["category"], "classes": [0, 12]}}, "multiarea.category.classes"),
             ({"frontend": {**cfg["multiarea"]["frontend"], "depth": 8}}, "multiarea.frontend.depth"),
             ({"frontend": {**cfg["multiarea"]["frontend"], "areas": [5]}}, "multiarea.frontend.areas"),
             ({"periods_ms": {**cfg["multiarea"]["periods_ms"], "delay": 305.0}}, "multiarea.periods_ms")]
    for change, key in cases:
        bad = copy.deepcopy(cfg)
        bad["multiarea"].update(change)
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            validate_config(bad)
