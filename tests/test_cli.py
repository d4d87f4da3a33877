import json

import pytest

from cordsnet.cli import main
from tests.conftest import REPO


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "prepare-data" in out and "compute-table" in out


def test_bad_config_json_is_one_clear_line(capsys):
    code = main(["prepare-data", "--config-json", json.dumps({"data": {"datasets": ["nope"]}}), "--dataset", "mnist"])
    assert code == 2
    err = capsys.readouterr().err
    assert "data.datasets.0" in err


def test_missing_data_is_one_clear_line(capsys, tmp_path, no_local_installs):
    cfg = {"paths": {"data": str(tmp_path), "results": str(tmp_path)},
           "data": {"datasets": ["cifar100"], "allow_download": False}}
    code = main(["prepare-data", "--config-json", json.dumps(cfg), "--dataset", "cifar100"])
    assert code == 1
    err = capsys.readouterr().err
    assert "no source of dataset 'cifar100'" in err and "To supply it" in err


def test_prepare_data_from_config_file(tmp_path, digits_idx_dir, no_local_installs):
    cfg = (REPO / "config" / "smoke.yaml").read_text()
    cfg = cfg.replace("data: data/smoke", f"data: {tmp_path / 'd'}").replace("mnist: null", f"mnist: {digits_idx_dir}")
    path = tmp_path / "c.yaml"
    path.write_text(cfg)
    assert main(["prepare-data", "--config", str(path), "--dataset", "mnist"]) == 0
    manifest = json.loads((tmp_path / "d" / "prepared" / "mnist" / "manifest.json").read_text())
    assert manifest["source"]["kind"] == "user_path"
