// The model's steps of a run: the network (a --load-epoch checkpoint's,
// fine-tuned when it is another network's), its initial weights, the weights
// and training state a checkpoint holds, and saving each epoch's checkpoint.
#include <filesystem>

#include "fitbench/checkpoint.h"
#include "fitbench/initializer.h"
#include "fitbench/training_state.h"
#include "pyformat.h"
#include "train/fit_plan.h"
#include "train/trainer.h"

namespace fitbench {

void Trainer::setup_model() {
  if (config_.load_epoch) {
    // A checkpoint of another network is trained as fine-tune.py does it:
    // its own network, with the classifier sized for --num-classes (and a
    // SoftmaxOutput head when it has none, as a Gluon export).
    // check_start() made sure there is a prefix.
    const std::string prefix = load_prefix(config_, kv_->rank());
    const std::string file = symbol_path(prefix);
    const Symbol saved = Symbol::load(file);
    if (saved.to_json() != symbol_.to_json()) {
      ClassifierChange change = with_classifier(saved, config_.classes());
      // A fine-tuned run resumed, or --network left at its default: the checkpoint decides.
      if (!change.replaced && !change.added_head)
        log(file + " is not the network --network " + config_.network +
            " makes with these arguments: training the checkpoint's own network");
      if (change.replaced)
        log(
            printf_string("Fine-tuning %s: FullyConnected '%s' (%d outputs) is replaced by a new one with "
                          "%d outputs, initialised; the other parameters are loaded",
                          file.c_str(), change.layer.c_str(), change.old_classes, config_.classes()));
      if (change.added_head)
        log(printf_string("Fine-tuning %s: added SoftmaxOutput 'softmax' on '%s'", file.c_str(),
                          change.layer.c_str()));
      symbol_ = change.symbol;
      fine_tune_ = std::move(change);
    }
  }
  group_ = std::make_unique<ExecutorGroup>(
      symbol_,
      std::map<std::string, Shape>{{"data", data_.train->data_shape()},
                                   {"softmax_label", data_.train->label_shape()}},
      devices_, static_cast<uint64_t>(config_.seed) + 1, gradient_sum(kv_->type(), devices_));
  // MXNet's Monitor watches the first executor.
  group_->executor(0).set_monitor_callback([this](const std::string& name, const Tensor& value) {
    monitor_.observe(name, value);
    diagnosis_.observe(name, value);
  });
}

// Module.init_params: arguments, then aux states, each in sorted name order,
// drawn on the host and copied to wherever the parameters live.
void Trainer::initialize_params() {
  init_rng_.seed(static_cast<uint64_t>(config_.seed));
  // In place where the master copy is on the host, so the weights are not
  // held twice; else into host copies sent over and dropped.
  auto initializer = create_initializer(config_.initializer, config_.network);
  const auto on_host_or_copy = [](const Tensor& t) {
    return t.device().is_cpu() ? t : Tensor::zeros(t.shape());
  };
  std::vector<std::pair<std::string, Tensor>> params, aux;
  for (const auto& name : group_->param_names())
    params.emplace_back(name, on_host_or_copy(group_->param(name)));
  for (const auto& name : group_->aux_names()) aux.emplace_back(name, on_host_or_copy(group_->aux(name)));
  initialize_sorted(*initializer, params, init_rng_);
  initialize_sorted(*initializer, aux, init_rng_);
  for (const auto& [name, value] : params)
    if (value.raw() != group_->param(name).raw()) group_->param(name).copy_from(value);
  for (const auto& [name, value] : aux)
    if (value.raw() != group_->aux(name).raw()) group_->aux(name).copy_from(value);
}

void Trainer::restore(int begin_epoch) {
  const std::string prefix = load_prefix(config_, kv_->rank());
  // setup_model() has checked --model-prefix and the symbol; only the parameters are read here.
  Checkpoint c = load_checkpoint(prefix, begin_epoch);
  if (fine_tune_)
    for (const auto& name : fine_tune_->dropped) c.arg_params.erase(name);
  // allow_missing, as fit.py: what the file lacks keeps its initial value.
  set_params(*group_, c.arg_params, c.aux_params, params_path(prefix, begin_epoch), true);
  log(printf_string("Loaded model %s_%04d.params", prefix.c_str(), begin_epoch));
}

// fit.py's _load_model, and the training state a fitbench checkpoint keeps.
std::optional<TrainingState> Trainer::load_state() {
  if (!config_.load_epoch) return std::nullopt;
  restore(begin_epoch_);
  last_saved_epoch_ = begin_epoch_;
  const std::string states = states_path(load_prefix(config_, kv_->rank()), begin_epoch_);
  if (fine_tune_) {
    log("Fine-tuning: the optimizer state and the update count start afresh");
    return std::nullopt;
  }
  if (!std::filesystem::exists(states)) {
    log("No " + states + ": the optimizer state starts afresh");
    return std::nullopt;
  }
  TrainingState state = load_training_state(states);
  if (state.optimizer != config_.optimizer)
    fail(states, " holds the state of optimizer '", state.optimizer, "' but --optimizer is '",
         config_.optimizer, "'");
  if (state.batches_done > 0) {
    // The position counts batches of the stopped run's epoch.
    if (state.batch_size > 0 && (state.batch_size != config_.batch_size || state.epoch_batches != epoch_size_))
      fail(states, " is a partial checkpoint of epoch ", begin_epoch_, ", stopped after ", state.batches_done,
           " of its ", state.epoch_batches, " batches of ", state.batch_size, "; this run cuts the epoch into ",
           epoch_size_, " batches of ", config_.batch_size,
           ". Resume it with the stopped run's --batch-size and --num-examples, or resume the last complete "
           "epoch (--load-prefix ", config_.model_prefix.empty() ? "PREFIX" : config_.model_prefix, ")");
    resume_batches_ = state.batches_done;
    log(printf_string("%s is a partial checkpoint of epoch %d: the epoch goes on after its first %lld "
                      "batches, in the order the stopped run drew",
                      params_path(load_prefix(config_, kv_->rank()), begin_epoch_).c_str(), begin_epoch_,
                      static_cast<long long>(state.batches_done)));
  }
  return state;
}

void Trainer::save(int epoch, std::optional<int64_t> partial_batches) {
  // fit.py's _save_model: rank 0 writes to the prefix, rank r to "prefix-r".
  std::string prefix = config_.model_prefix;
  if (kv_->rank() > 0) prefix += "-" + std::to_string(kv_->rank());
  if (partial_batches) prefix = partial_prefix(prefix);
  // The optimizer state must not change while it is written (dist_async).
  kv_->exclusive([&] { save_files(prefix, epoch, partial_batches); });
}

void Trainer::save_partial(int epoch, int64_t batches_done) {
  save_requested_ = false;
  if (config_.model_prefix.empty()) {
    log("Not saving: the run has no --model-prefix");
    return;
  }
  save(epoch, batches_done);
  log(printf_string(
      "Epoch[%d] stopped after %lld of its %lld batches: that checkpoint is partial. Resuming it "
      "(--load-prefix %s --load-epoch %d) goes on with batch %lld of epoch %d",
      epoch, static_cast<long long>(batches_done), static_cast<long long>(epoch_size_),
      partial_prefix(config_.model_prefix).c_str(), epoch, static_cast<long long>(batches_done), epoch));
}

void Trainer::save_files(const std::string& prefix, int epoch, std::optional<int64_t> partial_batches) {
  group_->pull_aux();
  const Tensor& aux = group_->aux_buffer();
  if (!all_finite(group_->param_buffer()) || (aux.defined() && !all_finite(aux))) {
    log(printf_string("Not saving epoch %d: its weights are not finite. ", epoch) + last_good_checkpoint());
    return;
  }
  Checkpoint c{symbol_, {}, {}};
  for (const auto& name : group_->param_names()) c.arg_params[name] = on_host(group_->param(name));
  for (const auto& name : group_->aux_names()) c.aux_params[name] = on_host(group_->aux(name));
  TrainingState state;
  state.epoch = epoch;
  state.batches_done = partial_batches.value_or(0);
  state.batch_size = config_.batch_size;
  state.epoch_batches = epoch_size_;
  state.num_update = optimizer_->num_update();
  state.learning_rate = optimizer_->learning_rate();  // informational
  state.optimizer = config_.optimizer;
  for (const auto& [name, t] : optimizer_->states()) {
    state.optimizer_states.names.push_back(name);
    state.optimizer_states.arrays.push_back(on_host(t));
  }
  state.rng_state = group_->rng_state();
  state.data_state = partial_batches ? epoch_data_state_ : data_.train->save_state();
  // The .params file goes first: a save killed between the two leaves an
  // epoch that resumes with a fresh optimizer state (as MXNet's files do),
  // never a .states file without its weights.
  create_checkpoint_directory(prefix);
  save_checkpoint(prefix, epoch, c);
  save_training_state(states_path(prefix, epoch), state);
  log("Saved checkpoint to \"" + params_path(prefix, epoch) + "\"");
  if (!partial_batches) last_saved_epoch_ = epoch;
  if (options_.observer)
    options_.observer->on_checkpoint({epoch, params_path(prefix, epoch), states_path(prefix, epoch)});
}

std::vector<std::string> checkpoint_files_overwritten(const FitConfig& config) {
  const std::string prefix = config.model_prefix;
  if (prefix.empty()) return {};
  namespace fs = std::filesystem;
  const bool loads = config.load_epoch.has_value();
  const int begin_epoch = config.begin_epoch();
  std::vector<std::string> files;
  for (int epoch = begin_epoch + 1; epoch <= config.num_epochs; ++epoch)
    for (const std::string& path : {params_path(prefix, epoch), states_path(prefix, epoch)})
      if (fs::exists(path)) files.push_back(path);
  const std::string from = load_prefix(config, 0);
  const bool continues = loads && (from == prefix || from == partial_prefix(prefix));
  if (continues || !fs::exists(symbol_path(prefix))) return files;
  // Any "<name>-NNNN.params" beside it: epochs this run would leave without their network.
  const fs::path dir =
      fs::path(prefix).parent_path().empty() ? fs::path(".") : fs::path(prefix).parent_path();
  const std::string stem = fs::path(prefix).filename().string() + "-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < stem.size() + 4 + 7 || !name.starts_with(stem) || !name.ends_with(".params")) continue;
    const std::string number = name.substr(stem.size(), name.size() - stem.size() - 7);
    if (number.find_first_not_of("0123456789") != std::string::npos) continue;
    files.push_back(symbol_path(prefix));
    break;
  }
  return files;
}

}  // namespace fitbench
