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
#include "fitbench/symbol.h"
#include "train/fit_plan.h"
#include "train/pyformat.h"

namespace fitbench {
namespace {

namespace fs = std::filesystem;

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

// A prefix names files: "runs/m/lenet" saves runs/m/lenet-0001.params.
void check_model_prefix(std::vector<StartProblem>& problems, const FitConfig& config) {
  const std::string& prefix = config.model_prefix;
  const std::string name = fs::path(prefix).filename().string();
  if (prefix.empty() || (!name.empty() && name != "." && name != "..")) return;
  problems.push_back({"model-prefix", "argument --model-prefix: " + prefix +
                                          " ends in a folder, so the files would be named \"-0001.params\"; "
                                          "end it with a name, e.g. " +
                                          (fs::path(prefix) / "model").lexically_normal().string()});
}

// Fine-tuning rewrites the network the prefix's -symbol.json describes: saved
// under the prefix it was loaded from, it would leave that prefix's epochs
// without a network that reads them.
void check_fine_tune_prefix(std::vector<StartProblem>& problems, const FitConfig& config,
                            const std::string& prefix) {
  if (config.model_prefix != prefix) return;
  ClassifierChange change;
  try {
    change = with_classifier(Symbol::load(symbol_path(prefix)), config.classes());
  } catch (const Error&) {
    return;  // the trainer names what is wrong with the file
  }
  if (!change.replaced && !change.added_head) return;
  problems.push_back(
      {"model-prefix", "argument --model-prefix: fine-tuning " + symbol_path(prefix) + " for " +
                           std::to_string(config.classes()) +
                           " classes changes the network it describes, which its saved epochs need; give the "
                           "fine-tuned run its own --model-prefix and read this one with --load-prefix " +
                           prefix});
}

void check_checkpoint(std::vector<StartProblem>& problems, const FitConfig& config) {
  if (!config.load_epoch) {
    if (!config.load_prefix.empty())
      problems.push_back({"load-prefix", "argument --load-prefix: " + config.load_prefix +
                                             " is read only with --load-epoch; give the epoch to load (saved: " +
                                             saved_epochs_text(config.load_prefix) + ")"});
    return;
  }
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
                                            saved_epochs_text(prefix) +
                                            "); give one of them, or another --load-prefix"});
      return;
    }
  check_fine_tune_prefix(problems, config, prefix);
}

}  // namespace

std::vector<StartProblem> start_problems(const FitConfig& config) {
  std::vector<StartProblem> problems;
  if (config.network.empty())
    problems.push_back(
        {"network", "argument --network: it is required (choose from " + comma_list(network_names()) + ")"});
  if (config.initializer == "orthogonal")
    problems.push_back({"initializer", "argument --initializer: orthogonal is not implemented yet; choose default, "
                                       "xavier, msra, normal, uniform, one or zero"});
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
  check_model_prefix(problems, config);
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
