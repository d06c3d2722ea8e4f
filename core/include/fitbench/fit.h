// fit(): MXNet's fit.py training driver (docs/mxnet-compatibility.md section 3.1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"
#include "fitbench/memory_estimate.h"
#include "fitbench/observer.h"

namespace fitbench {

struct FitOptions {
  TrainingObserver* observer = nullptr;  // may be null
  TrainingControl* control = nullptr;    // may be null
  bool log_to_stderr = true;             // the CLI prints log lines; the GUI does not
  std::string run_dir;                   // empty: runs/<network>-<timestamp> under the current directory
  // With --on-nonfinite stop and a control: pause instead of stopping, so a
  // person can lower the rate and resume, which drops the bad batch's update
  // and goes on from the weights before it (the application does this).
  bool pause_on_nonfinite = false;
};

// Trains as the arguments say. User errors throw fitbench::Error before
// training starts; errors during training are reported through
// FinishInfo::error and rethrown. Nothing is written into the run directory
// (config.json, log.txt, metrics.jsonl) until the data and the model are set
// up, so a run that fails to start leaves an earlier run's files as they were.
FinishInfo fit(const FitArgs& args, const FitOptions& options = {});

// What the arguments alone tell is wrong with a run, each with the argument
// to change (as the schema names it, "gpus") and what to do: no --network,
// a --dtype other than float32, --gpus this machine does not have, nccl with
// a GPU twice, data paths that do not exist (or no Fashion-MNIST for the
// default data), --load-epoch without its checkpoint files. fit() refuses a
// run with any (check_start) before it writes or allocates anything;
// fitbench-cli lists them all before it starts, the application before Start.
struct StartProblem {
  std::string argument;
  std::string message;
};
std::vector<StartProblem> start_problems(const FitConfig& config);
// Throws the first of start_problems() as an ArgError.
void check_start(const FitConfig& config);

// The existing files under --model-prefix that a run of `args` could write
// over, for a host to ask before it starts: the .params and .states of every
// epoch from --load-epoch + 1 to --num-epochs (whatever --save-period says: a
// save can be requested at any epoch), and the -symbol.json when the prefix
// holds checkpoints that this run does not continue (it does not load one of
// the prefix's own epochs, or their partial checkpoint). Empty without a
// --model-prefix or when the prefix holds no checkpoint this run would touch.
std::vector<std::string> checkpoint_files_overwritten(const FitConfig& config);

// What a run needs against what is free now, as fit() works it out before it
// allocates anything and --summary prints it.
struct MemoryCheck {
  MemoryEstimate estimate;
  MemoryAvailable available;
  // "" when the run fits; else fit()'s refusal: what it needs, what is free
  // and the largest --batch-size that fits.
  std::string shortfall;
  // Why the data is not counted (it cannot be read; fit() says so when it
  // starts); "" when it is.
  std::string data_missing;
};
// For a host to show before Start. One worker's share of a distributed run
// is not known here: the whole data set is counted. Throws Error where fit()
// would: GPUs that are not there, a network the arguments do not fit.
MemoryCheck check_fit_memory(const FitConfig& config, const FitOptions& options = {});

}  // namespace fitbench

namespace fitbench {
// train_mnist.py's script defaults (mlp, batch 64, lr 0.05, ...): the defaults
// of fitbench-cli and the application, whose default data is Fashion-MNIST.
FitArgs train_mnist_defaults();

// The learning rate fit() would use at updates 1..`updates` for these
// arguments (fit.py's schedule, counted from --load-epoch when it is set),
// with `epoch_size` batches per epoch: what the lr-step editor draws.
std::vector<double> learning_rate_schedule(const FitConfig& config, int64_t epoch_size, int64_t updates);
}  // namespace fitbench
