// What the arguments alone say is wrong with a run, before anything is read,
// written or allocated: the checks of fit(), of fitbench-cli before it starts
// MPI, and of the application's Start (see start_problems() in fitbench/fit.h).
#include <filesystem>

#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"
#include "fitbench/fit_data.h"
#include "fitbench/kvstore.h"
#include "fitbench/models.h"
#include "fitbench/optimizer.h"
#include "train/fit_plan.h"
#include "train/pyformat.h"

namespace fitbench {
namespace {

namespace fs = std::filesystem;

// Saved epochs as "1, 2, 3", or "none".
std::string epoch_list(const std::vector<int>& epochs) {
  std::vector<std::string> numbers;
  for (int e : epochs) numbers.push_back(std::to_string(e));
  return numbers.empty() ? "none" : comma_list(numbers);
}

void check_path(std::vector<StartProblem>& problems, const std::string& argument, const std::string& path) {
  if (path.empty() || fs::exists(path)) return;
  problems.push_back({argument, "argument --" + argument + ": " + path +
                                    " does not exist; give a file or folder that does, or leave it empty"});
}

void check_data(std::vector<StartProblem>& problems, const FitConfig& config) {
  if (config.data_train.empty())
    if (const std::string missing = default_data_missing(); !missing.empty())
      problems.push_back({"data-train", "argument --data-train: " + missing});
  check_path(problems, "data-train", config.data_train);
  check_path(problems, "data-train-idx", config.data_train_idx);
  check_path(problems, "data-val", config.data_val);
  check_path(problems, "data-val-idx", config.data_val_idx);
}

void check_checkpoint(std::vector<StartProblem>& problems, const FitConfig& config) {
  if (!config.load_epoch) return;
  const std::string prefix = load_prefix(config, 0);
  if (prefix.empty()) {
    problems.push_back({"load-epoch",
                        "argument --load-epoch: it needs --model-prefix (or --load-prefix) to know "
                        "which checkpoint to load"});
    return;
  }
  // A dist worker r > 0 reads its own "prefix-r" files, on its own machine: it checks them itself.
  if (is_distributed_kvstore(config.kv_store)) return;
  const int epoch = *config.load_epoch;
  for (const std::string& file : {symbol_path(prefix), params_path(prefix, epoch)})
    if (!fs::exists(file)) {
      problems.push_back({"load-epoch", "argument --load-epoch: " + file +
                                            " does not exist (epochs saved under " + prefix + ": " +
                                            epoch_list(saved_epochs(prefix)) +
                                            "); give one of them, or another --load-prefix"});
      return;
    }
}

}  // namespace

std::vector<StartProblem> start_problems(const FitConfig& config) {
  std::vector<StartProblem> problems;
  if (config.network.empty())
    problems.push_back(
        {"network", "argument --network: it is required (choose from " + comma_list(network_names()) + ")"});
  if (config.dtype != "float32")
    problems.push_back({"dtype", "argument --dtype: " + config.dtype +
                                     " is not implemented yet: fitbench trains in float32"});
  try {
    parse_optimizer_settings(config.optimizer, config.optimizer_params);
  } catch (const SettingError& e) {
    problems.push_back({"optimizer-params", argument_error(e).what()});
  }
  try {
    check_nccl_devices(config);
  } catch (const Error& e) {
    problems.push_back({"kv-store", e.what()});
  }
  try {
    usable_devices(config.gpus);  // against this machine's GPUs
  } catch (const Error& e) {
    problems.push_back({"gpus", e.what()});
  }
  // --summary reads no data and loads no weights.
  if (!config.summary) {
    check_data(problems, config);
    check_checkpoint(problems, config);
  }
  return problems;
}

void check_start(const FitConfig& config) {
  const std::vector<StartProblem> problems = start_problems(config);
  if (!problems.empty()) throw ArgError(problems.front().message);
}

}  // namespace fitbench
