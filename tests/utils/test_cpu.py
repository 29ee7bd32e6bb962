"""What the CPU helpers read, and what ONEDNN_MAX_CPU_ISA changes."""

import pytest

from mnistkit.utils import _cpu


@pytest.fixture
def cpu(monkeypatch):
    """Pretend to be a CPU with the given flags."""

    def pretend(*flags, model="Test CPU"):
        monkeypatch.setattr(_cpu, "cpu_model_and_flags", lambda: (model, set(flags)))

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    return pretend


@pytest.mark.parametrize(
    "flags, isa, native",
    [
        (("avx2", "fma"), None, False),
        (("avx2", "avx512f", "avx512_bf16"), None, True),
        (("avx2", "amx_bf16", "amx_tile"), None, True),
        # The emulation of an AVX2-only CPU on a bfloat16 one: precision="auto" picks float32.
        (("avx2", "avx512f", "avx512_bf16"), "AVX2", False),
        (("avx2", "avx512f", "avx512_bf16"), "avx512_core", False),
        (("avx2", "avx512f", "avx512_bf16"), "AVX512_CORE_BF16", True),
        (("avx2", "avx512f", "avx512_bf16"), "avx512_core_amx", True),
        # No setting can add instructions the CPU lacks.
        (("avx2",), "AVX512_CORE_AMX", False),
    ],
)
def test_onednn_has_bfloat16(cpu, monkeypatch, flags, isa, native):
    cpu(*flags)
    if isa:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", isa)
    assert _cpu.onednn_has_bfloat16() is native


def test_cpu_summary_names_the_model_the_flags_and_the_isa_limit(cpu, monkeypatch):
    cpu("sse2", "avx2", "fma", "avx512_bf16", model="Xeon X")
    assert _cpu.cpu_summary() == "Xeon X (avx2 fma avx512_bf16)"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert _cpu.cpu_summary() == "Xeon X (avx2 fma avx512_bf16), ONEDNN_MAX_CPU_ISA=AVX2"
    cpu("sse2", model=None)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    assert _cpu.cpu_summary() == (
        "unknown CPU (none of avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile)"
    )


def test_the_real_cpu_is_read():
    model, flags = _cpu.cpu_model_and_flags()
    assert isinstance(flags, set)
    assert _cpu.cpu_summary().startswith(model or "unknown CPU")
