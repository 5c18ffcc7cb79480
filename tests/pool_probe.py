"""What a qkv-grade local worker process starts with (tests/test_classgrade.py submits
:func:`state` to a :class:`qkv_grader.workers.LocalPool`: a function a worker can import)."""

from __future__ import annotations

import os
import sys


def state() -> dict:
    """This worker's view: an environment variable, whether torch was already imported (by the
    fork server: nothing here imports it), the threads its torch and BLAS may use, its parent."""
    from threadpoolctl import threadpool_info

    torch = sys.modules.get("torch")
    return {"QKV_PROBE": os.environ.get("QKV_PROBE"),
            "torch_preloaded": torch is not None,
            "torch_threads": torch.get_num_threads() if torch is not None else None,
            "blas_threads": sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}),
            "parent": os.getppid()}
