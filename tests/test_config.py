import copy

import pytest
import yaml

from cordsnet.concerns import CONCERNS
from cordsnet.config import ConfigError, config_hash, config_slice, load_config, validate_config
from tests.conftest import REPO

CONFIGS = ["config.yaml", "smoke.yaml", "paper.yaml"]


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_configs_validate(name):
    cfg = load_config(REPO / "config" / name)
    assert cfg["run"]["scale"] in ("default", "smoke", "paper")
    # defaults were filled in from the schema
    assert "grad_clip" in cfg["training"]["cnn"]
    assert "precision" in cfg["simulation"]


def test_paper_config_is_paper_scale():
    cfg = load_config(REPO / "config" / "paper.yaml")
    assert cfg["data"]["image_size"] == 224
    assert cfg["model"]["width"] == 1.0 and cfg["model"]["stem"] == "paper"
    assert cfg["model"]["depths"] == [2, 4, 6, 8]
    assert set(cfg["data"]["datasets"]) == {"mnist", "fmnist", "cifar10", "cifar100", "imagenet"}
    assert (cfg["simulation"]["spontaneous_steps"], cfg["simulation"]["stimulus_steps"]) == (100, 100)
    assert cfg["training"]["cnn"]["batch_size"] == 256 and cfg["training"]["cnn"]["lr"] == 0.1


def _base():
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.mark.parametrize(
    "mutate, path, words",
    [
        (lambda c: c["model"].__setitem__("widht", 1.0), "model.widht", "Additional properties"),
        (lambda c: c["model"].__setitem__("width", -1), "model.width", "minimum"),
        (lambda c: c["model"].__setitem__("depths", [3]), "model.depths.0", "is not one of"),
        (lambda c: c["run"].__setitem__("seed", "zero"), "run.seed", "is not of type"),
        (lambda c: c["training"]["cnn"].__setitem__("batch_size", 0), "training.cnn.batch_size", "minimum"),
        (lambda c: c["data"].__setitem__("datasets", ["svhn"]), "data.datasets.0", "is not one of"),
        (lambda c: c.__setitem__("extra", {}), "extra", "Additional properties"),
        (lambda c: c.pop("model"), "<top level>", "'model' is a required property"),
    ],
)
def test_bad_values_name_the_key_path(mutate, path, words):
    cfg = _base()
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    msg = str(err.value)
    assert f"'{path}'" in msg and words in msg


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listy)


def test_partial_slices_validate_each_section_fully():
    cfg = load_config(REPO / "config" / "config.yaml")
    part = config_slice(cfg, "run", "data")
    assert validate_config(part, partial=True)["data"] == cfg["data"]
    with pytest.raises(ConfigError):
        validate_config(part)  # a full config needs every section
    broken = copy.deepcopy(part)
    broken["data"]["augmentation"] = "heavy"
    with pytest.raises(ConfigError, match="data.augmentation"):
        validate_config(broken, partial=True)


def test_config_hash_is_stable_and_sensitive():
    a = {"x": 1, "y": [1, 2]}
    assert config_hash(a) == config_hash({"y": [1, 2], "x": 1})
    assert config_hash(a) != config_hash({"x": 2, "y": [1, 2]})


def _declared_keys(sch: dict, node: dict, root: dict, prefix: str = "") -> list[str]:
    """Dotted paths of every property the schema declares under ``node`` (following local $refs)."""
    if "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    keys = []
    for key, sub in node.get("properties", {}).items():
        keys.append(prefix + key)
        keys += _declared_keys(sch, sub, root, f"{prefix}{key}.")
    return keys


def _resolve(node: dict, root: dict) -> dict:
    if "$ref" in node:
        for part in node["$ref"].lstrip("#/").split("/"):
            root = root[part]
        return root
    return node


def _required_only(cfg, node: dict, root: dict):
    """``cfg`` with every key the schema does not require removed (recursively): the least a user may write."""
    node = _resolve(node, root)
    if not isinstance(cfg, dict) or "properties" not in node:
        return cfg
    keep = set(node.get("required", []))
    return {k: _required_only(v, node["properties"][k], root) for k, v in cfg.items() if k in keep}


def test_an_overlay_merges_over_a_configuration_as_snakemake_does(tmp_path):
    """`load_config(base, overlays=...)` is `snakemake --configfile base overlay`: mappings merged, lists replaced."""
    cfg = load_config(REPO / "config" / "paper.yaml", overlays=(REPO / "config" / "authors.yaml",))
    assert cfg["model"]["depths"] == [8] and cfg["model"]["width"] == 1.0  # replaced list, kept sibling
    assert cfg["model"]["imported"] == [{"dataset": "imagenet", "depth": 8, "path": "cordsnetr8.pth"}]
    assert cfg["run"]["name"] == "authors" and cfg["run"]["scale"] == "paper"
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {imported: [{dataset: imagenet, depth: 7, path: x}]}")
    with pytest.raises(ConfigError, match="depth"):
        load_config(REPO / "config" / "paper.yaml", overlays=(bad,))


@pytest.mark.parametrize("name", CONFIGS)
def test_a_validated_config_holds_every_declared_key(name):
    """Code reads the configuration with [] only: from the least a user may write (required keys only), the loader
    fills every key the schema declares, so no reader ever needs a fallback of its own."""
    from cordsnet.config import schema

    sch = schema()
    minimal = _required_only(yaml.safe_load((REPO / "config" / name).read_text()), sch, sch)
    assert "penalty_steps" not in minimal["simulation"]  # really minimal
    cfg = validate_config(minimal)
    missing = []
    for path in _declared_keys(sch, sch, sch):
        node = cfg
        for part in path.split("."):
            if not isinstance(node, dict):
                break  # below a null value
            if part not in node:
                missing.append(path)
                break
            node = node[part]
    assert not missing, f"keys without a value or a schema default: {missing}"


def test_stage_defaults_come_from_the_schema():
    from cordsnet.config import with_stage_defaults

    stage = with_stage_defaults({"epochs": 1, "batch_size": 8, "lr": 0.1})
    assert stage["optimizer"] == "adamw" and stage["momentum"] == 0.9 and stage["grad_clip"] is None
    assert stage["min_steps"] == 0 and stage["max_batches_per_epoch"] is None


SIMULATION_SLICE = ("run", "data", "simulation")
TEMPORAL_SLICE = CONCERNS["temporal"].sections  # what the temporal rules pass
COGNITIVE_SLICE = CONCERNS["cognitive"].sections


@pytest.mark.parametrize(
    "mutate, path, words, sliced",
    [
        (lambda c: c["simulation"].update(readout_steps=40, stimulus_steps=30), "simulation.readout_steps",
         "do not fit in simulation.stimulus_steps = 30", SIMULATION_SLICE),
        (lambda c: c["simulation"].update(penalty_steps=12, post_stimulus_steps=10), "simulation.penalty_steps",
         "post_stimulus_steps = 10", SIMULATION_SLICE),
        (lambda c: c["data"]["sources"].update(fmnist="/no/such/folder"), "data.sources.fmnist",
         "/no/such/folder does not exist", SIMULATION_SLICE),
        (lambda c: c["training"].update(early_readout_steps=50), "training.early_readout_steps",
         "Choose a value from 10 to 49", TEMPORAL_SLICE),
        (lambda c: c["training"].update(early_readout_steps=5), "training.early_readout_steps", "must fit",
         TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(hold_steps=30), "temporal.hold_steps", "shorter than the trained window",
         TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(solution_depth=8), "temporal.solution_depth", "not among model.depths",
         TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(solution_dataset="cifar10"), "temporal.solution_dataset",
         "not among data.datasets", TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(noise_levels=[0.5, -1.0]), "temporal.noise_levels.1", "minimum",
         TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(sequence=[]), "temporal.sequence", "should be non-empty", TEMPORAL_SLICE),
        (lambda c: c["temporal"].update(sequence=["A", "gap"]), "temporal.sequence.1", "does not match",
         TEMPORAL_SLICE),
        (lambda c: c["cognitive"].update(tasks=["go", "pro"]), "cognitive.tasks.1", "is not one of", COGNITIVE_SLICE),
        (lambda c: c["cognitive"].update(sizes=[125, 100]), "cognitive.sizes", "100 units is not a cube",
         COGNITIVE_SLICE),
        (lambda c: c["cognitive"].update(kernel_size=4), "cognitive.kernel_size", "use an odd size from 1 to 9",
         COGNITIVE_SLICE),
        (lambda c: c["cognitive"].update(rank=126), "cognitive.rank", "impossible for 125 units", COGNITIVE_SLICE),
        (lambda c: c["cognitive"].update(density=1.0e-6), "cognitive.density", "impossible for 125 units",
         COGNITIVE_SLICE),
        (lambda c: c["cognitive"].update(example_task="anti", tasks=["go", "dm"]), "cognitive.example_task",
         "not among cognitive.tasks", COGNITIVE_SLICE),
    ],
)
def test_cross_field_faults_are_caught_at_load_naming_the_key(mutate, path, words, sliced):
    cfg = _base()
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert f"'{path}'" in str(err.value) and words in str(err.value)
    with pytest.raises(ConfigError):  # the slices the rules pass are checked too
        validate_config({k: cfg[k] for k in sliced}, partial=True)


def test_the_workflow_refuses_a_readout_window_longer_than_the_stimulus(tmp_path):
    import subprocess
    import sys

    cfg = _base()
    cfg["simulation"]["readout_steps"] = cfg["simulation"]["stimulus_steps"] + 10
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    res = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(bad)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode != 0 and "simulation.readout_steps" in res.stdout + res.stderr


def test_a_slice_is_checked_for_what_it_holds_not_for_the_defaults_of_sections_it_left_out():
    """table1's slice has data and model but no multiarea: the multiarea defaults (5 dots of radius 2) must not be
    checked against its 16 px images; the same settings given in full are refused."""
    cfg = load_config(REPO / "config" / "smoke.yaml")
    piece = {k: cfg[k] for k in ("run", "paths", "data", "model")}
    validate_config(piece, partial=True)
    with pytest.raises(ConfigError, match="multiarea.numerosity.max_dots"):
        validate_config({**piece, "multiarea": {"numerosity": {"max_dots": 5, "radius": 2.0}}}, partial=True)
