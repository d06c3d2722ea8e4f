// How the CPU kernels' OpenMP threads wait for each other, chosen before the
// OpenMP runtime starts.
#pragma once

namespace fitbench {

// The pauses an OpenMP thread spins at a barrier before it sleeps, when the
// user has not chosen (neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set).
// libgomp's own default, 300,000 pauses, is several milliseconds: on a
// workstation that runs other work, the thread that arrived first burns the
// time slice its descheduled teammate needs, and an epoch beside two busy
// processes on 2 cores took 5-7x as long as on an idle CPU instead of the
// fair 2x. A short spin keeps the idle-machine speed (bench/contention.sh).
inline constexpr const char* kOpenmpSpinPauses = "3000";

// Call first in main(). libgomp reads its wait settings once, while it is
// loaded, before main() runs; so when they have to change, this sets them in
// the environment and executes the program again in the same process (same
// pid, same arguments). It returns when nothing had to change, or when the
// program cannot be executed again (the run then keeps libgomp's default).
void use_brief_openmp_spin(char** argv);

}  // namespace fitbench
