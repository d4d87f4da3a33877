# Neural prediction over time (Fig 6; claim C10): the scored CordsNet's areas mapped to V4 and IT sites bin by bin,
# against time-invariant baselines (its own steady state, the CNN counterpart), with a paired bootstrap over images.
# Offline (neural.data = surrogate) the recordings are a labelled SYNTHETIC SURROGATE generated from another trained
# network (rule neural_surrogate); with neural.data = recordings they are the files of neural.sources.
# Library: cordsnet/neural (assembly, features, bins, mapping, surrogate), cordsnet/neural/analysis.py.
# Notebook: notebooks/neural.ipynb. Config: the `neural` section.
from cordsnet.neural.settings import generator_depth, generator_stage, scored_row

NEURAL = CFG["neural"]
NEURAL_ROW = scored_row(CFG)
SURROGATE = L.neural_surrogate()
SURROGATE_FILES = {"assembly": str(SURROGATE / "assembly.nc"), "stimuli": str(SURROGATE / "stimuli.csv"),
                   "truth": str(SURROGATE / "truth.npz"), "info": str(SURROGATE / "surrogate.json")}
GENERATOR = str(L.checkpoint(NEURAL_ROW[0], generator_depth(CFG), generator_stage(CFG)))
NEURAL_RESULTS = [str(L.analysis("neural", "prediction", ext)) for ext in ("json", "npz")]
NEURAL_TABLES = [str(L.table("neural_prediction", ext)) for ext in ("csv", "md", "provenance.json")]


def neural_inputs(w):
    """The recordings (the surrogate's files, or neural.sources) and the trained models the analysis reads."""
    dataset, depth = NEURAL_ROW
    models = [str(L.checkpoint(dataset, depth, NEURAL["stage"]))]
    models += [str(L.checkpoint(dataset, depth, "cnn"))] if "cnn" in NEURAL["baselines"] else []
    if NEURAL["data"] == "surrogate":
        recordings = [SURROGATE_FILES[k] for k in ("assembly", "stimuli", "truth", "info")]
        models.append(GENERATOR)
    else:  # a missing file stops the run here, before any job, with its name
        recordings = [NEURAL["sources"][k] for k in ("assembly", "stimuli", "images")]
    return {"recordings": recordings, "models": models}


rule neural:  # results and tables only: `snakemake figures` draws them
    input:
        NEURAL_RESULTS,
        NEURAL_TABLES,


rule neural_surrogate:
    input:
        data=prepared(NEURAL_ROW[0]),
        generator=GENERATOR,
    output:
        **SURROGATE_FILES,
        images=directory(str(SURROGATE / "images")),
    params:
        cfg=cfg_json("neural"),
        out_dir=str(SURROGATE),
    log:
        f"{LOGS}/neural/surrogate.log",
    benchmark:
        f"{BENCH}/neural/surrogate.tsv"
    threads: THREADS
    resources:
        mem_mb=3000,
        runtime=10,
        gpu=lambda w: min(1, gpus("neural")),  # one GPU where the run has them: the analyses use one device
    shell:
        "{CLI} neural-surrogate --config-json {params.cfg:q} --threads {threads} --out-dir {params.out_dir:q} "
        "> {log:q} 2>&1"


rule neural_predict:
    input:
        unpack(neural_inputs),
    output:
        json=NEURAL_RESULTS[0],
        npz=NEURAL_RESULTS[1],
        tables=NEURAL_TABLES,
    params:
        cfg=cfg_json("neural"),
        table=str(L.table("neural_prediction")),
    log:
        f"{LOGS}/neural/predict.log",
    benchmark:
        f"{BENCH}/neural/predict.tsv"
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=20,
        gpu=lambda w: min(1, gpus("neural")),
    shell:
        "{CLI} neural-predict --config-json {params.cfg:q} --threads {threads} --out {output.json:q} "
        "--table {params.table:q} > {log:q} 2>&1"


# Its figures: notebooks/neural.ipynb on these files, with these parameters beyond `results` (the rule
# `neural_figures` is generated in figures.smk, one per concern with a notebook).
FIGURES["neural"] = dict(
    category="Neural prediction",
    inputs={
        "results": NEURAL_RESULTS,
        "tables": NEURAL_TABLES,
    },
    values={},
)