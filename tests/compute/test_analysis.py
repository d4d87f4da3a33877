"""Compute per time step (Fig 2): the table against torchvision's own counts."""

import json

from cordsnet.cli import main
from tests.test_cli import smoke


def test_compute_table(tmp_path):
    out = tmp_path / "compute.csv"
    assert main(["compute-table", "--config-json", smoke(compute={"depths": [2], "cnns": ["resnet18"]}),
                 "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out).set_index("model")
    assert list(table.index) == ["CordsNet-R2", "resnet18"]
    assert table.loc["resnet18", "params"] == 11_689_512  # torchvision's ResNet-18
    assert abs(table.loc["resnet18", "GMACs_per_step"] - 1.819) < 0.01  # its known 1.8 GMACs at 224 px
    assert table.loc["CordsNet-R2", "macs_per_step_engine"] < table.loc["CordsNet-R2", "macs_per_step"]
    assert json.loads(out.with_suffix(".provenance.json").read_text())["config"]["compute"]["depths"] == [2]
