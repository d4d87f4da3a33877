"""A figure's provenance lists exactly the files the figure read."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cordsnet.figures import FigureInputs, save_figure  # noqa: E402


def test_figure_inputs_record_what_was_read_and_nothing_else(tmp_path):
    a, b, c = tmp_path / "a.json", tmp_path / "b.csv", tmp_path / "c.json"
    a.write_text(json.dumps({"x": 1, "provenance": {"config_hash": "abc", "code_version": "v", "scale": "s"}}))
    b.write_text("u,v\n1,2\n")
    c.write_text("{}")
    inputs = FigureInputs("demo")
    assert inputs.json(a)["x"] == 1
    assert list(inputs.csv(b)["v"]) == [2]
    inputs.json(a)  # read twice, listed once
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    save_figure(fig, tmp_path / "figures" / "demo", inputs.provenance("s"))
    prov = json.loads((tmp_path / "figures" / "demo.provenance.json").read_text())
    assert [f["file"] for f in prov["inputs"]] == [str(a), str(b)]  # not c: it was never read
    assert prov["inputs"][0]["config_hash"] == "abc" and len(prov["inputs"][1]["sha256"]) == 64
    assert prov["figure"] == "demo" and prov["scale"] == "s"
    assert (tmp_path / "figures" / "demo.png").stat().st_size > 1000 and (tmp_path / "figures" / "demo.pdf").exists()
