// fitbench-cli: MXNet fit.py's command line, headless.
//
// Ctrl-C stops training at the next batch boundary and saves the epoch so far
// as a partial checkpoint (with --model-prefix; see partial_prefix() in
// fitbench/checkpoint.h), which a resume continues at its next batch. A
// second Ctrl-C ends the process at once (files are always written through
// temporary names, so none is left half-written). SIGTERM is a Ctrl-C;
// SIGHUP ends the process at once, and a queue entry it trained is left
// interrupted, to be resumed by the queue's next runner.
//
// Under mpirun with a dist kvstore (mpirun -np 2 fitbench-cli --kv-store
// dist_sync ...) each process is one worker: MPI starts here, once per
// process, and an error on one worker ends the whole job, since the others
// would otherwise wait for it forever.
//
// The experiment queue, headless (see fitbench/run_queue.h):
//   fitbench-cli --queue FILE                       runs FILE's entries in turn
//   fitbench-cli --queue FILE --queue-gpus 0,1      one runner process per GPU,
//                                                   each training a run on its GPU
//   fitbench-cli --queue-add FILE [--name N] [--sweep ARG=VALUES]... [fit args]
//                                                   adds a run, or a sweep's runs
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>

#include "fitbench/cpu_threads.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"
#include "fitbench/gpu_module.h"
#include "fitbench/kvstore.h"
#include "fitbench/run_queue.h"

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
    std::fprintf(stderr,
                 "\nfitbench-cli: stopping after this batch and saving the epoch so far (Ctrl-C again to quit "
                 "at once)\n");
    control.stop_and_save();
    if (read(interrupt_pipe[0], &byte, 1) == 1) _exit(130);
  }).detach();
}

// The queue options, taken out of the command line before fit.py's arguments are parsed.
struct QueueOptions {
  std::string file;  // --queue or --queue-add
  bool run = false;  // --queue
  std::string name;  // --name
  std::vector<std::string> sweeps;
  std::string gpus;    // --queue-gpus
  bool retry = false;  // --retry
};

constexpr const char* kQueueHelp =
    "queue options (fitbench's experiment queue; the file's folder is the workspace of its runs):\n"
    "  --queue FILE          run the queue's entries one after another, resuming an interrupted one\n"
    "  --queue-gpus LIST     with --queue: a runner per GPU (0,1), each training the next entry on its\n"
    "                        GPU, so the runs go in parallel; each entry's own --gpus is not used\n"
    "  --retry               with --queue: first queue the stopped and failed entries again (a\n"
    "                        stopped one goes on from its checkpoint of the epoch so far)\n"
    "  --queue-add FILE      add a run of the arguments given to the queue, without running it\n"
    "  --name NAME           with --queue-add: the run's name (default: the network's)\n"
    "  --sweep ARG=VALUES    with --queue-add: a run per value (0.1,0.05 or start:stop:step); two\n"
    "                        --sweep options add every combination\n";

// Removes the queue options from `args`; throws ArgError on a misuse.
QueueOptions take_queue_options(std::vector<std::string>& args) {
  QueueOptions q;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i], value;
    if (word == "--retry") {
      q.retry = true;
      continue;
    }
    const auto eq = word.find('=');
    if (word.starts_with("--") && eq != std::string::npos) value = word.substr(eq + 1), word.resize(eq);
    const bool ours = word == "--queue" || word == "--queue-add" || word == "--name" || word == "--sweep" ||
                      word == "--queue-gpus";
    if (!ours) {
      rest.push_back(args[i]);
      continue;
    }
    if (eq == std::string::npos) {
      if (i + 1 >= args.size()) throw fitbench::ArgError("argument " + word + ": expected one argument");
      value = args[++i];
    }
    if (word == "--queue" || word == "--queue-add") {
      if (!q.file.empty()) throw fitbench::ArgError("give one of --queue and --queue-add, once");
      q.file = value;
      q.run = word == "--queue";
    } else if (word == "--name") {
      q.name = value;
    } else if (word == "--queue-gpus") {
      q.gpus = value;
    } else {
      q.sweeps.push_back(value);
    }
  }
  if (q.file.empty() && (!q.name.empty() || !q.sweeps.empty()))
    throw fitbench::ArgError("--name and --sweep add to a queue: give --queue-add FILE too");
  if (!q.gpus.empty() && !q.run) throw fitbench::ArgError("--queue-gpus runs a queue: give --queue FILE too");
  if (q.retry && !q.run) throw fitbench::ArgError("--retry runs a queue again: give --queue FILE too");
  if (q.run && !rest.empty())
    throw fitbench::ArgError("--queue runs the file's entries, which hold their own arguments; add runs with "
                             "--queue-add FILE [fit arguments]");
  args = std::move(rest);
  return q;
}

int add_to_queue(const QueueOptions& q, const fitbench::FitArgs& fit_args) {
  std::vector<fitbench::SweepAxis> axes;
  for (const std::string& sweep : q.sweeps) axes.push_back(fitbench::parse_sweep_axis(sweep));
  const std::string name = q.name.empty() ? fitbench::FitConfig::resolve(fit_args).network : q.name;
  const auto runs = fitbench::expand_sweep(name, fit_args, axes);
  const std::string workspace = std::filesystem::path(q.file).parent_path().string();
  fitbench::edit_queue(q.file, [&](fitbench::RunQueue& queue) {
    for (const auto& [run_name, args] : runs) {
      const std::string id = queue.add(run_name, args, workspace.empty() ? "." : workspace);
      std::printf("queued %s as %s\n", id.c_str(), queue.find(id)->name.c_str());
    }
    return true;
  });
  // Queued all the same: a file may come before the queue runs.
  for (const fitbench::StartProblem& problem : fitbench::start_problems(fitbench::FitConfig::resolve(fit_args)))
    std::fprintf(stderr, "fitbench-cli: warning: as it stands, the run would not start: %s\n",
                 problem.message.c_str());
  return 0;
}

// Runs the queue in this process; on `gpu` ("0") when given, else as each entry says.
int run_queue_file(const std::string& file, fitbench::TrainingControl& control,
                   const std::optional<std::string>& gpu = std::nullopt) {
  const std::string where = gpu ? " on gpu(" + *gpu + ")" : "";
  const auto run = fitbench::run_queue(
      file, {nullptr, &control, true, {}},
      [&where](const fitbench::QueueEntry& e) {
        std::fprintf(stderr, "fitbench-cli: queue: %s %s (entry %s)%s\n", e.attempts > 0 ? "resuming" : "starting",
                     e.name.c_str(), e.id.c_str(), where.c_str());
      },
      gpu);
  int failed = 0, waiting = 0, stopped = 0;
  for (const auto& e : fitbench::RunQueue::load(file).entries()) {
    failed += e.state == fitbench::QueueState::Failed;
    stopped += e.state == fitbench::QueueState::Stopped;
    waiting += e.state == fitbench::QueueState::Queued || e.state == fitbench::QueueState::Paused;
    if (e.state == fitbench::QueueState::Failed)
      std::fprintf(stderr, "fitbench-cli: queue: %s (entry %s) failed: %s\n", e.name.c_str(), e.id.c_str(),
                   e.message.c_str());
  }
  std::fprintf(stderr, "fitbench-cli: queue: %d run%s started, %d failed in the queue, %d waiting\n", run.runs,
               run.runs == 1 ? "" : "s", failed, waiting);
  if (stopped + failed > 0)
    std::fprintf(stderr, "fitbench-cli: queue: %d stopped or failed; --queue %s --retry runs them again\n",
                 stopped + failed, file.c_str());
  if (run.stopped) return 130;
  return failed > 0 ? 1 : 0;
}

// The runner processes of --queue-gpus, for the signal handler.
constexpr int kMaxRunners = 64;
pid_t runner_pids[kMaxRunners];
volatile sig_atomic_t runner_count = 0;  // counted after its pid is stored
volatile sig_atomic_t signal_passed = 0;  // no runner starts after one

// Ctrl-C and SIGTERM reach the runners through here alone (they are in a
// process group of their own), once each, as they would reach one runner.
// So does SIGHUP (the terminal or the application that started this process
// went away), which ends a runner at once: its entry is left running with
// its process gone, interrupted, for the next runner to resume.
void pass_signal_to_runners(int signal) {
  signal_passed = 1;
  for (int i = 0; i < runner_count; ++i) kill(runner_pids[i], signal);
}

// --queue-gpus: a runner process per GPU, each claiming the queue's next
// entry and training it on its GPU, until no entry is left. Exit code: 130
// when a stop ended a runner, 1 when one failed, else 0.
int run_queue_on_gpus(const std::string& file, const std::string& gpus) {
  std::vector<fitbench::Device> devices;
  try {
    devices = fitbench::usable_devices(gpus, "--queue-gpus");
  } catch (const fitbench::Error& e) {
    throw fitbench::ArgError(std::string("argument ") + e.what());
  }
  if (static_cast<int>(devices.size()) > kMaxRunners)
    throw fitbench::ArgError("argument --queue-gpus: at most " + std::to_string(kMaxRunners) + " GPUs");
  // Before the first runner starts, so a Ctrl-C while they start reaches those already running.
  const int passed_on[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction action {};
  action.sa_handler = pass_signal_to_runners;
  sigemptyset(&action.sa_mask);
  sigset_t held;
  sigemptyset(&held);
  for (const int passed : passed_on) {
    sigaction(passed, &action, nullptr);
    sigaddset(&held, passed);
  }
  int code = 0;
  for (const fitbench::Device& device : devices) {
    // Held across the fork: a runner must not take one with this process's
    // handler, and this process passes one on only once it knows the runner.
    sigset_t before;
    sigprocmask(SIG_BLOCK, &held, &before);
    if (signal_passed) {
      sigprocmask(SIG_SETMASK, &before, nullptr);
      break;
    }
    // Forked before this process starts any thread.
    const pid_t pid = fork();
    if (pid < 0) {
      sigprocmask(SIG_SETMASK, &before, nullptr);
      std::fprintf(stderr, "fitbench-cli: error: cannot start the runner of gpu(%d): %s; stopping the others\n",
                   device.id, std::strerror(errno));
      pass_signal_to_runners(SIGTERM);
      code = 1;
      break;
    }
    if (pid == 0) {
      setpgid(0, 0);
      signal(SIGHUP, SIG_DFL);
      fitbench::TrainingControl control;
      watch_interrupts(control);
      sigprocmask(SIG_SETMASK, &before, nullptr);
      try {
        _exit(run_queue_file(file, control, std::to_string(device.id)));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fitbench-cli: error: gpu(%d): %s\n", device.id, e.what());
        _exit(1);
      }
    }
    // Also here: the terminal's Ctrl-C must not reach a runner that has not moved yet.
    setpgid(pid, pid);
    runner_pids[runner_count] = pid;
    runner_count = runner_count + 1;
    sigprocmask(SIG_SETMASK, &before, nullptr);
  }
  for (int i = 0; i < runner_count; ++i) {
    int status = 0;
    while (waitpid(runner_pids[i], &status, 0) < 0 && errno == EINTR) {
    }
    const int runner = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (runner == 130 || (runner != 0 && code != 130)) code = runner;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  fitbench::prepare_cpu_threads(argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  QueueOptions queue;
  try {
    queue = take_queue_options(args);
  } catch (const fitbench::ArgError& e) {
    std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
    return 2;
  }
  if (queue.run) {
    try {
      if (!std::filesystem::is_regular_file(queue.file))
        throw fitbench::ArgError("argument --queue: " + queue.file +
                                 " is not a queue file; make one with --queue-add " + queue.file +
                                 " [fit arguments]");
      if (queue.retry)
        fitbench::edit_queue(queue.file, [](fitbench::RunQueue& q) {
          bool changed = false;
          for (const fitbench::QueueEntry& e : q.entries())
            if (e.state == fitbench::QueueState::Stopped || e.state == fitbench::QueueState::Failed) {
              q.retry(e.id);
              changed = true;
            }
          return changed;
        });
      if (!queue.gpus.empty()) return run_queue_on_gpus(queue.file, queue.gpus);
      fitbench::TrainingControl control;
      watch_interrupts(control);
      return run_queue_file(queue.file, control);
    } catch (const fitbench::ArgError& e) {
      std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
      return 1;
    }
  }
  fitbench::FitArgs fit_args;
  try {
    fit_args = fitbench::parse_command_line(args, fitbench::train_mnist_defaults());
  } catch (const fitbench::HelpRequested&) {
    std::printf("%s\n%s\n%s\n",
                fitbench::format_help("fitbench-cli", fitbench::train_mnist_defaults()).c_str(), kQueueHelp,
                fitbench::gpu_module_summary().c_str());
    return 0;
  } catch (const fitbench::ArgError& e) {
    std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
    return 2;
  }
  if (!queue.file.empty()) {
    try {
      return add_to_queue(queue, fit_args);
    } catch (const fitbench::ArgError& e) {
      std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fitbench-cli: error: %s\n", e.what());
      return 1;
    }
  }
  // Every problem the arguments show, at once, before MPI or any allocation.
  const fitbench::FitConfig config = fitbench::FitConfig::resolve(fit_args);
  const auto problems = fitbench::start_problems(config);
  for (const auto& problem : problems) std::fprintf(stderr, "fitbench-cli: error: %s\n", problem.message.c_str());
  if (!problems.empty()) return 2;
  std::optional<fitbench::DistributedRuntime> mpi;
  if (fitbench::is_distributed_kvstore(config.kv_store)) {
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
