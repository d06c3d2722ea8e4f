// fitbench-cli: MXNet fit.py's command line, headless.
//
// Ctrl-C stops training at the next batch boundary; the last completed
// checkpoint stays as it was. A second Ctrl-C ends the process at once (files
// are always written through temporary names, so none is left half-written).
//
// Under mpirun with a dist kvstore (mpirun -np 2 fitbench-cli --kv-store
// dist_sync ...) each process is one worker: MPI starts here, once per
// process, and an error on one worker ends the whole job, since the others
// would otherwise wait for it forever.
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <unistd.h>

#include "fitbench/fit.h"
#include "fitbench/fit_config.h"
#include "fitbench/gpu_module.h"
#include "fitbench/kvstore.h"

namespace {

int interrupt_pipe[2] = {-1, -1};

// Runs on whichever thread the signal lands on (OpenBLAS starts its own
// before main), so it only does what is async-signal-safe.
void on_interrupt(int) {
  const char byte = 1;
  [[maybe_unused]] const auto n = write(interrupt_pipe[1], &byte, 1);
}

void watch_interrupts(fitbench::TrainingControl& control) {
  if (pipe(interrupt_pipe) != 0) return;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::thread([&control] {
    char byte;
    if (read(interrupt_pipe[0], &byte, 1) != 1) return;
    std::fprintf(stderr, "\nfitbench-cli: stopping after this batch (Ctrl-C again to quit at once)\n");
    control.stop();
    if (read(interrupt_pipe[0], &byte, 1) == 1) _exit(130);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  fitbench::FitArgs fit_args;
  try {
    fit_args = fitbench::parse_command_line(args, fitbench::train_mnist_defaults());
  } catch (const fitbench::HelpRequested&) {
    std::printf("%s\n%s\n", fitbench::format_help("fitbench-cli").c_str(),
                fitbench::gpu_module_summary().c_str());
    return 0;
  } catch (const fitbench::ArgError& e) {
    std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
    return 2;
  }
  std::optional<fitbench::DistributedRuntime> mpi;
  if (fitbench::is_distributed_kvstore(fitbench::FitConfig::resolve(fit_args).kv_store)) {
    try {
      mpi.emplace(&argc, &argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
      return 1;
    }
  }
  fitbench::TrainingControl control;
  watch_interrupts(control);
  int code = 0;
  try {
    const auto finish = fitbench::fit(fit_args, {nullptr, &control, true, {}});
    // 3: the loss or the gradients went non-finite (--on-nonfinite stop); the log said where.
    if (finish.diverged) return 3;
    return finish.stopped ? 130 : 0;
  } catch (const fitbench::ArgError& e) {
    std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
    code = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
    code = 1;
  }
  if (mpi) mpi->abort(code);
  return code;
}
