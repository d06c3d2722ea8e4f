"""The OpenBLAS kernels fitbench names for itself, for the peers too.

Every fitbench program sets OPENBLAS_CORETYPE where Debian's OpenBLAS falls
back to its generic SSE3 kernels on a CPU model it does not know
(core/include/fitbench/cpu_threads.h). The OpenBLAS builds inside numpy,
MXNet and Debian's PyTorch fall back the same way (on an Emerald Rapids Xeon:
numpy's sgemm 19 GFLOP/s on one core, 160 with the AVX-512 kernels), so the
benchmarks give them the same setting: each side then runs its BLAS at the
CPU's speed, and the sgemm roofline is the CPU's.

Usage: python3 bench/openblas_kernels.py   (prints the kernels' name, or nothing)
"""
import ctypes
import os
import sys


def cpu_flags():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def kernels_for_this_cpu():
    """fitbench's openblas_kernels_for_this_cpu(), asked of the same Debian OpenBLAS: None where it chose well."""
    try:
        openblas = ctypes.CDLL("libopenblas.so.0")
    except OSError:
        return None
    openblas.openblas_get_corename.restype = ctypes.c_char_p
    if openblas.openblas_get_corename() != b"Prescott":
        return None
    flags = cpu_flags()
    if {"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def run_again_with_kernels():
    """Runs this script again with OPENBLAS_CORETYPE set, where fitbench would set it and the user has not.

    Call it before numpy or MXNet is imported: OpenBLAS reads the setting when it loads."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    kernels = kernels_for_this_cpu()
    if kernels:
        os.environ["OPENBLAS_CORETYPE"] = kernels
        os.execv(sys.executable, [sys.executable] + sys.argv)


if __name__ == "__main__":
    print(kernels_for_this_cpu() or "")
