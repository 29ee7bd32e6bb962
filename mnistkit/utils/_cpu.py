"""The CPU a process runs on: its model and the instruction sets that decide training speed.

A training time means little without the CPU class it was measured on: the same CNN trains in
bfloat16 on a CPU with ``avx512_bf16`` or ``amx_bf16`` and in float32, about three times
slower, on one with AVX2 only. :func:`cpu_summary` names both, for the benchmark records and
``benchmarks/bench_keras.py``; :func:`onednn_has_bfloat16` is what ``precision="auto"`` asks.
"""

import functools
import os

__all__ = [
    "CPU_FLAGS",
    "cpu_class_of",
    "cpu_model_and_flags",
    "cpu_summary",
    "onednn_has_bfloat16",
]

#: The flags that decide how fast a network trains (bfloat16 is native only with
#: ``avx512_bf16`` or ``amx_bf16``).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")

#: oneDNN's ``ONEDNN_MAX_CPU_ISA`` values that still allow its native bfloat16 kernels
#: (oneDNN's documentation, "CPU dispatcher control"); any other value, for example
#: ``AVX2`` to emulate an AVX2-only CPU, leaves bfloat16 to slow emulation.
_BFLOAT16_ISAS = {
    "AVX512_CORE_BF16",
    "AVX512_CORE_FP16",
    "AVX512_CORE_AMX",
    "AVX512_CORE_AMX_FP16",
    "AVX10_1_512",
    "AVX10_1_512_AMX",
    "AVX10_1_512_AMX_FP16",
    "ALL",
    "DEFAULT",
}


@functools.cache
def cpu_model_and_flags():
    """``(model name, set of flags)`` from ``/proc/cpuinfo``; ``(None, set())`` where it is
    missing (not Linux)."""
    model, flags = None, set()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name") and model is None:
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return model, flags


def onednn_has_bfloat16():
    """Whether oneDNN computes bfloat16 natively here: the CPU has ``avx512_bf16`` or
    ``amx_bf16`` and ``ONEDNN_MAX_CPU_ISA``, if set, does not dispatch below them.

    Examples
    --------
    >>> isinstance(onednn_has_bfloat16(), bool)
    True
    """
    _, flags = cpu_model_and_flags()
    if not flags & {"avx512_bf16", "amx_bf16"}:
        return False
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    return not isa or isa in _BFLOAT16_ISAS


def cpu_summary():
    """``'<model> (avx2 fma avx512f ...)'``: the CPU model and which of :data:`CPU_FLAGS` it
    has, with ``ONEDNN_MAX_CPU_ISA`` when set (it changes what runs).

    Examples
    --------
    >>> cpu_summary().count("(") >= 1
    True
    """
    model, flags = cpu_model_and_flags()
    present = " ".join(flag for flag in CPU_FLAGS if flag in flags)
    text = f"{model or 'unknown CPU'} ({present or 'none of ' + ' '.join(CPU_FLAGS)})"
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA")
    return text + (f", ONEDNN_MAX_CPU_ISA={isa}" if isa else "")


def cpu_class_of(cpu):
    """The class of a recorded CPU (``"AMD EPYC (avx2 fma)"``): ``"bfloat16"``,
    ``"AVX-512"``, ``"AVX2 only"`` or ``"no AVX2"``; what decides a network's training time.

    Examples
    --------
    >>> cpu_class_of("AMD EPYC (avx2 fma)")
    'AVX2 only'
    >>> cpu_class_of("Xeon (avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile)")
    'bfloat16'
    >>> cpu_class_of("Xeon (avx2 fma avx512f avx512_bf16), ONEDNN_MAX_CPU_ISA=AVX2")
    'AVX2 only'
    """
    if not cpu:
        return None
    text, _, isa = str(cpu).partition("ONEDNN_MAX_CPU_ISA=")
    listed = text[text.rfind("(") + 1 : text.rfind(")")] if "(" in text else ""
    flags = set() if listed.startswith("none of") else set(listed.split())
    isa = isa.strip().upper()
    if isa.startswith("AVX2") or isa.startswith("SSE"):
        flags -= {"avx512f", "avx512_bf16", "amx_bf16"}
        if isa.startswith("SSE"):
            flags.discard("avx2")
    if flags & {"avx512_bf16", "amx_bf16"}:
        return "bfloat16"
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2 only" if "avx2" in flags else "no AVX2"
