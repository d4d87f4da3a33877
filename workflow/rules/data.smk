# Data: resolve each configured dataset's source (docs/data.md), store it uniformly, write its manifest.
# Library: cordsnet/data. Config: the `data` section.


rule data:
    input:
        [prepared(d) for d in CFG["data"]["datasets"]],


rule prepare_tensor_dataset:
    output:
        train=str(L.prepared_split("{tensor_dataset}", "train")),
        test=str(L.prepared_split("{tensor_dataset}", "test")),
        manifest=str(L.manifest("{tensor_dataset}")),
    params:
        cfg=cfg_json("data"),
    log:
        f"{LOGS}/data/prepare_{{tensor_dataset}}.log",
    benchmark:
        f"{BENCH}/data/prepare_{{tensor_dataset}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "{CLI} prepare-data --config-json {params.cfg:q} --dataset {wildcards.tensor_dataset:q} > {log:q} 2>&1"


rule prepare_imagenet:
    output:
        manifest=str(L.manifest("imagenet")),
    params:
        cfg=cfg_json("data"),
    log:
        f"{LOGS}/data/prepare_imagenet.log",
    benchmark:
        f"{BENCH}/data/prepare_imagenet.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    shell:
        "{CLI} prepare-data --config-json {params.cfg:q} --dataset imagenet > {log:q} 2>&1"
