// How the CPU kernels' threads behave, and which kernels OpenBLAS runs,
// chosen in the environment before the OpenMP runtime and OpenBLAS are
// loaded: both read it once, at load time.
#pragma once

#include <string_view>

namespace fitbench {

// The pauses an OpenMP thread spins at a barrier before it sleeps, unless the
// user chose (OMP_WAIT_POLICY or GOMP_SPINCOUNT). libgomp's own default,
// 300,000 pauses, lasts milliseconds: on a workstation that runs other work,
// the thread that arrived first burns the time slice its descheduled
// teammate needs, and an epoch beside two busy processes on 2 cores took
// 5-7x as long as on an idle CPU instead of the fair 2x. A short spin keeps
// the idle-machine speed (bench/contention.sh).
inline constexpr std::string_view kOpenmpSpinPauses = "3000";

// The OpenBLAS kernels to name in OPENBLAS_CORETYPE, or null where OpenBLAS
// chose well itself. OpenBLAS picks its kernels by CPU model, and on a model
// it does not know (Debian 12's 0.3.21 on an Emerald Rapids Xeon, for one)
// falls back to its generic SSE3 kernels: sgemm then runs at a fifth of its
// speed (38 against 176 GFLOP/s on one core of that Xeon). Where that
// happened, this names OpenBLAS's AVX-512 kernels (SkylakeX) on a CPU with
// AVX-512, or its AVX2 ones (Haswell) on a CPU with AVX2 and FMA.
const char* openblas_kernels_for_this_cpu();

// Call first in main(). Sets, where the user has not: GOMP_SPINCOUNT to
// kOpenmpSpinPauses; OPENBLAS_NUM_THREADS to 1, since every GEMM runs inside
// an OpenMP team of fitbench's own (ops/cpu/parallel.h) and OpenBLAS's
// pthreads build would otherwise start a pool of threads that spin with
// sched_yield and are never used; and OPENBLAS_CORETYPE to
// openblas_kernels_for_this_cpu() where that is not null. When something had
// to change, the program is executed again in the same process (same pid,
// same arguments) so the libraries load with it; this returns when nothing
// had to change, or when the program cannot be executed again (the run then
// keeps the libraries' defaults).
void prepare_cpu_threads(char** argv);

}  // namespace fitbench
