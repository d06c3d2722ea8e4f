// fit(): MXNet's common/fit.py and Module.fit, step by step
// (docs/mxnet-compatibility.md section 3.1).
#include "fitbench/fit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>

#include "fitbench/checkpoint.h"
#include "fitbench/data_iter.h"
#include "fitbench/executor_group.h"
#include "fitbench/fit_data.h"
#include "fitbench/initializer.h"
#include "fitbench/kvstore.h"
#include "fitbench/memory_estimate.h"
#include "fitbench/models.h"
#include "fitbench/optimizer.h"
#include "pyformat.h"
#include "run_log.h"
#include "tensor/memory.h"
#include "train/health.h"

namespace fitbench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Warmup warmup_of(const FitConfig& config) {
  return {config.lr_warmup_steps, config.lr_warmup_begin,
          config.lr_warmup_mode};
}

// fit.py's _get_lr_scheduler. `offset` is the update count already done
// (restored from a .states file; 0 when resuming an MXNet checkpoint).
using LogLine = std::function<void(const std::string&)>;

std::pair<double, std::shared_ptr<LRScheduler>> make_scheduler(const FitConfig& config, int64_t epoch_size,
                                                               int begin_epoch, int64_t offset, const LogLine& log) {
  // Python floats, as fit.py computes them.
  double lr = config.lr;
  const double factor = config.lr_factor;
  const std::string kind = config.lr_scheduler;
  const int64_t max_update = config.num_epochs * epoch_size;
  if (kind == "cosine") return {lr, make_cosine_scheduler(max_update, lr, 0.0, warmup_of(config))};
  if (factor >= 1 && kind != "poly") return {lr, nullptr};
  const auto power = config.lr_step_power;
  if (kind == "poly" || power) return {lr, make_poly_scheduler(max_update, lr, power.value_or(2.0), 0.0, warmup_of(config))};
  if (config.lr_step_epochs.empty()) return {lr, nullptr};
  const std::vector<int>& step_epochs = config.lr_step_epoch_list;
  if (kind == "factor")
    return {lr, make_factor_scheduler(epoch_size * step_epochs[0], factor, lr, 1e-8, warmup_of(config))};
  for (int s : step_epochs)
    if (begin_epoch >= s) lr *= factor;
  if (lr != config.lr)
    log(printf_string("Adjust learning rate to %e for epoch %d", lr, begin_epoch));
  std::vector<int64_t> steps;
  for (int s : step_epochs)
    if (s - begin_epoch > 0) steps.push_back(offset + epoch_size * (s - begin_epoch));
  if (steps.empty()) return {lr, nullptr};
  return {lr, make_multi_factor_scheduler(steps, factor, lr, warmup_of(config))};
}

// `t` readable on the host: itself on the CPU, else a copy.
Tensor on_host(const Tensor& t) { return t.device().is_cpu() ? t : t.to(Device::cpu()); }

double rms(const Tensor& t) {
  double sum = 0;
  const float* p = t.f32();
  for (int64_t i = 0; i < t.size(); ++i) sum += double(p[i]) * p[i];
  return t.size() ? std::sqrt(sum / double(t.size())) : 0.0;
}

// RMS, range and histogram of `t`. NaN and Inf clear `finite` and stay out of
// the range and the histogram, so one bad value does not hide the others.
MonitorStat stat_of(const std::string& name, const Tensor& t) {
  MonitorStat s;
  s.name = name;
  s.rms = rms(t);
  const float* p = t.f32();
  bool any = false;
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(p[i])) {
      s.finite = false;
      continue;
    }
    s.min = any ? std::min<double>(s.min, p[i]) : p[i];
    s.max = any ? std::max<double>(s.max, p[i]) : p[i];
    any = true;
  }
  s.histogram.assign(kMonitorHistogramBins, 0);
  const double width = (s.max - s.min) / kMonitorHistogramBins;
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(p[i])) continue;
    const int bin = width > 0 ? static_cast<int>((p[i] - s.min) / width) : 0;
    ++s.histogram[static_cast<size_t>(std::min(bin, kMonitorHistogramBins - 1))];
  }
  return s;
}

// norm(after - before) / norm(after); 0 when nothing changed.
double update_ratio(const Tensor& before, const Tensor& after) {
  double change = 0, weight = 0;
  const float* b = before.f32();
  const float* a = after.f32();
  for (int64_t i = 0; i < after.size(); ++i) {
    const double d = double(a[i]) - b[i];
    change += d * d;
    weight += double(a[i]) * a[i];
  }
  if (change == 0) return 0.0;
  return std::sqrt(change) / std::sqrt(weight);
}

// The first filters of a (filters, channels, kh, kw) weight, within the
// kMonitorMaxFilters x kMonitorMaxChannels bound of MonitorStat::values.
void copy_filters(MonitorStat& s, const Tensor& weight) {
  const auto& d = weight.shape().dims();
  const int64_t filters = std::min(d[0], kMonitorMaxFilters);
  const int64_t channels = std::min(d[1], kMonitorMaxChannels);
  const int64_t kernel = d[2] * d[3];
  s.values_shape = {filters, channels, d[2], d[3]};
  s.values.reserve(static_cast<size_t>(filters * channels * kernel));
  const float* p = weight.f32();
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < channels; ++c) {
      const float* k = p + (f * d[1] + c) * kernel;
      s.values.insert(s.values.end(), k, k + kernel);
    }
}

// --summary and --test-io: done, with nothing trained.
FinishInfo completed_without_training() {
  FinishInfo finish;
  finish.completed = true;
  return finish;
}

class Trainer {
 public:
  Trainer(const FitArgs& args, const FitOptions& options)
      : args_(args), config_(FitConfig::resolve(args)), options_(options) {}
  FinishInfo run();
  // The error that ended the run, into its log.txt too (once it has one).
  void log_failure(const std::string& what) {
    if (log_) log_->error_to_file(what);
  }

 private:
  void check_devices();
  // This worker's share of the training data (distributed kvstores).
  DataPartition data_partition() const {
    return is_distributed_kvstore(kv_->type()) ? DataPartition{kv_->num_workers(), kv_->rank()}
                                               : DataPartition{};
  }
  // "" when the estimate fits what is available, else a sentence with the
  // estimate, what is available and the largest --batch-size that fits.
  std::string memory_shortfall(const TrainingMemorySetup& setup, const MemoryEstimate& estimate) const;
  void setup_model();
  void restore(int begin_epoch);
  // The epoch's validation metrics (empty without validation data), or
  // nothing when a stop interrupted the epoch.
  std::optional<NameValues> train_epoch(int epoch);
  NameValues validate();
  // A checkpoint of `epoch` under --model-prefix, or, `partial`, of the epoch
  // in progress under its partial_prefix().
  void save(int epoch, bool partial = false);
  void save_files(const std::string& prefix, int epoch, bool partial);
  // A stop overtook a requested save: the epoch so far, as a partial checkpoint.
  void save_partial(int epoch, int64_t batches_done);
  void monitor_tic(int epoch);
  // Collects this batch's values from now on, whatever --monitor says.
  void start_snapshot(int epoch);
  void monitor_before_update();
  void monitor_toc();
  MonitorStat& monitor_stat(const std::string& name, const Tensor& value);
  void apply_controls();
  // The loss of the batch in the group's outputs, and whether it and the
  // gradients are finite; on a failure, what --on-nonfinite says decides
  // whether the batch's update is applied.
  bool batch_is_healthy(int epoch, int64_t nbatch, double loss);
  NonFiniteEvent diagnose(int epoch, int64_t nbatch, const std::string& quantity);
  std::string last_good_checkpoint() const;
  // pause_on_nonfinite: the weights, optimizer state and update count before
  // the latest applied update, which a resume after a pause goes back to.
  void keep_rollback();
  void roll_back();

  const FitArgs& args_;  // as given: the log's Namespace line and config.json
  const FitConfig config_;
  const FitOptions& options_;
  std::unique_ptr<RunLog> log_;
  FitData data_;
  Symbol symbol_;
  std::optional<ClassifierChange> fine_tune_;  // set when --load-epoch fine-tunes a checkpoint's classifier
  std::vector<Device> devices_;  // from --gpus, checked by check_devices()
  std::unique_ptr<ExecutorGroup> group_;
  std::unique_ptr<KVStore> kv_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<ParamRef> params_;
  std::unique_ptr<EvalMetric> metric_;
  std::unique_ptr<EvalMetric> batch_loss_ = create_metric("ce");  // each batch's loss for the observer
  std::mt19937_64 init_rng_;
  int64_t epoch_size_ = 0;
  int num_epochs_ = 0;
  bool save_requested_ = false;
  bool stopped_ = false;
  int monitor_interval_ = 0;
  int64_t monitor_step_ = 0;
  bool monitor_active_ = false;
  MonitorSnapshot snapshot_;
  std::vector<std::pair<std::string, std::string>> monitor_lines_;
  std::vector<Tensor> weights_before_;  // params_ before this monitor step's update
  NonFiniteDiagnosis diagnosis_;
  std::optional<NonFiniteEvent> diverged_;  // the event that stopped the run
  int64_t nonfinite_batches_ = 0;           // this epoch's, under skip-batch or continue
  int last_saved_epoch_ = -1;  // written or loaded by this run; -1: none
  // The training data's state before this epoch's reset(), as a checkpoint of
  // the previous epoch holds it: a partial checkpoint resumes from it.
  std::string epoch_data_state_;
  struct Rollback {
    Tensor params;
    std::vector<Tensor> states;
    int64_t num_update = -1;  // -1: nothing kept yet
  } rollback_;
};

void Trainer::check_devices() {
  devices_ = usable_devices(config_.gpus);
  if (config_.dtype != "float32")
    throw ArgError("argument --dtype: " + config_.dtype +
                   " is not implemented yet: fitbench trains in float32");
}

// The network of --network and its arguments.
Symbol build_symbol(const FitConfig& config) {
  // The builders see only arguments, so what they refuse (--num-layers 7 for
  // resnet, an image shape too small) is a bad argument: exit code 2.
  try {
    return build_network(config.network, config.network_config());
  } catch (const ArgError&) {
    throw;
  } catch (const Error& e) {
    throw ArgError(e.what());
  }
}

// Where the kvstore sums the executors' gradients. The dist stores exchange
// a host buffer, so they need it even for one GPU; one executor otherwise
// updates its own parameters.
GradientSum gradient_sum(const std::string& kvstore, const std::vector<Device>& devices) {
  if (is_distributed_kvstore(kvstore)) return devices.size() == 1 && devices[0].is_cpu() ? GradientSum::Single
                                                                                           : GradientSum::Host;
  if (devices.size() == 1) return GradientSum::Single;
  if (kvstore == "device") return GradientSum::FirstDevice;
  if (kvstore == "nccl") return GradientSum::Nccl;
  return GradientSum::Host;
}

// --mom, for the optimizers that take it.
float momentum_of(const FitConfig& config) {
  std::string name = config.optimizer;
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name == "sgd" || name == "nag" ? static_cast<float>(config.mom) : 0.0f;
}

// What a run's arrays and data take, for --summary and the check before
// anything is allocated. `data_missing` (when given) receives why the data
// was left out, rather than failing.
TrainingMemorySetup memory_setup(const FitConfig& config, const FitOptions& options,
                                 const std::vector<Device>& devices, const std::string& kvstore,
                                 const DataPartition& partition, std::string* data_missing) {
  TrainingMemorySetup setup;
  setup.batch_size = config.batch_size;
  for (int d : config.sample_shape()) setup.sample_shape.push_back(d);
  setup.devices = devices;
  setup.gradient_sum = gradient_sum(kvstore, devices);
  setup.optimizer = config.optimizer;
  setup.momentum = momentum_of(config);
  setup.keeps_rollback = options.pause_on_nonfinite;
  try {
    setup.data = fit_data_footprint(config, partition);
  } catch (const Error& e) {
    if (!data_missing) throw;
    *data_missing = e.what();
  }
  return setup;
}

std::string Trainer::memory_shortfall(const TrainingMemorySetup& setup,
                                      const MemoryEstimate& estimate) const {
  const MemoryAvailable available = memory_available(estimate);
  const auto shortfalls = memory_shortfalls(estimate, available);
  if (shortfalls.empty()) return {};
  std::string text = printf_string("--batch-size %lld needs ", static_cast<long long>(setup.batch_size));
  for (size_t i = 0; i < shortfalls.size(); ++i) text += (i ? ", and " : "") + shortfalls[i];
  const int64_t batch = largest_fitting_batch(
      symbol_, setup, [&](const MemoryEstimate& e) { return memory_shortfalls(e, available).empty(); });
  if (batch > 0)
    return text + printf_string("; the largest --batch-size that fits is %lld: lower --batch-size%s",
                                static_cast<long long>(batch), devices_[0].is_cpu() ? "" : " or add --gpus");
  return text + printf_string(
                    "; not even --batch-size %zu fits: the largest array is %s of shape %s (%s); use a "
                    "smaller network",
                    setup.devices.size(), estimate.largest.c_str(), estimate.largest_shape.str().c_str(),
                    human_bytes(double(estimate.largest_bytes)).c_str());
}

// Where --load-epoch's checkpoint is read: --load-prefix, else --model-prefix.
// Rank r > 0 of a dist store reads its own "prefix-r" files where it saved
// them, as fit.py's _load_model does: its .states hold its own data order.
std::string load_prefix(const FitConfig& config, int rank) {
  const std::string from = config.load_prefix;
  std::string prefix = from.empty() ? config.model_prefix : from;
  const std::string own = prefix + "-" + std::to_string(rank);
  if (rank > 0 && !prefix.empty() && std::filesystem::exists(symbol_path(own))) prefix = own;
  return prefix;
}

void Trainer::setup_model() {
  if (config_.load_epoch) {
    // A checkpoint of another network is fine-tuned as fine-tune.py does it:
    // its own network, with the classifier sized for --num-classes (and a
    // SoftmaxOutput head when it has none, as a Gluon export).
    const std::string prefix = load_prefix(config_, kv_->rank());
    if (prefix.empty()) fail("--load-epoch needs --model-prefix (or --load-prefix) to know which checkpoint to load");
    const std::string file = symbol_path(prefix);
    const Symbol saved = Symbol::load(file);
    if (saved.to_json() != symbol_.to_json()) {
      ClassifierChange change = with_classifier(saved, config_.classes());
      if (!change.replaced && !change.added_head)
        fail(file, " describes a different network than --network ", config_.network,
             " with these arguments; load it with the arguments it was trained with, or give another "
             "--num-classes to fine-tune its classifier");
      if (change.replaced)
        log_->info(printf_string("Fine-tuning %s: FullyConnected '%s' (%d outputs) is replaced by a new one with "
                                 "%d outputs, initialised; the other parameters are loaded",
                                 file.c_str(), change.layer.c_str(), change.old_classes, config_.classes()));
      if (change.added_head)
        log_->info(printf_string("Fine-tuning %s: added SoftmaxOutput 'softmax' on '%s'", file.c_str(),
                                 change.layer.c_str()));
      symbol_ = change.symbol;
      fine_tune_ = std::move(change);
    }
  }
  group_ = std::make_unique<ExecutorGroup>(
      symbol_,
      std::map<std::string, Shape>{{"data", data_.train->data_shape()}, {"softmax_label", data_.train->label_shape()}},
      devices_, static_cast<uint64_t>(config_.seed) + 1, gradient_sum(kv_->type(), devices_));
  // MXNet's Monitor watches the first executor.
  group_->executor(0).set_monitor_callback([this](const std::string& name, const Tensor& value) {
    if (monitor_active_) monitor_stat(name, on_host(value));
    diagnosis_.observe(name, value);
  });
}

void Trainer::restore(int begin_epoch) {
  const std::string prefix = load_prefix(config_, kv_->rank());
  // setup_model() has checked --model-prefix and the symbol; only the parameters are read here.
  Checkpoint c = load_checkpoint(prefix, begin_epoch);
  if (fine_tune_)
    for (const auto& name : fine_tune_->dropped) c.arg_params.erase(name);
  // allow_missing, as fit.py: what the file lacks keeps its initial value.
  set_params(*group_, c.arg_params, c.aux_params, params_path(prefix, begin_epoch), true);
  log_->info(printf_string("Loaded model %s_%04d.params", prefix.c_str(), begin_epoch));
  if (!prefix_of_partial(prefix).empty())
    log_->info(
        printf_string("%s is a partial checkpoint of epoch %d: the epoch trains again from its first batch",
                      params_path(prefix, begin_epoch).c_str(), begin_epoch));
}

void Trainer::monitor_tic(int epoch) {
  const bool due = monitor_interval_ > 0 && monitor_step_ % monitor_interval_ == 0;
  ++monitor_step_;
  monitor_active_ = false;
  if (due) start_snapshot(epoch);
}

void Trainer::start_snapshot(int epoch) {
  monitor_active_ = true;
  snapshot_ = MonitorSnapshot{epoch, monitor_step_, {}};
  monitor_lines_.clear();
}

MonitorStat& Trainer::monitor_stat(const std::string& name, const Tensor& value) {
  snapshot_.stats.push_back(stat_of(name, value));
  monitor_lines_.emplace_back(name, python_float32_str(static_cast<float>(snapshot_.stats.back().rms)));
  return snapshot_.stats.back();
}

// The update/weight ratio needs the weights as they were before the update;
// they are copied on monitor steps only, so training without --monitor pays nothing.
void Trainer::monitor_before_update() {
  if (!monitor_active_) return;
  weights_before_.clear();
  for (const auto& p : params_) weights_before_.push_back(p.weight.to(Device::cpu()).clone());
}

// MXNet's Monitor.toc_print: layer outputs (collected during forward), then
// arguments and aux states after the update, each "Batch: %7d %-30s %s\t".
void Trainer::monitor_toc() {
  if (!monitor_active_) return;
  group_->pull_aux();
  const auto& params = group_->param_names();
  for (const auto& name : symbol_.list_arguments()) {
    const auto it = std::find(params.begin(), params.end(), name);
    if (it == params.end()) {
      monitor_stat(name, on_host(group_->executor(0).input(name)));
      continue;
    }
    const Tensor weight = on_host(group_->param(name));
    MonitorStat& stat = monitor_stat(name, weight);
    stat.update_ratio = update_ratio(weights_before_[static_cast<size_t>(it - params.begin())], weight);
    if (weight.shape().ndim() == 4) copy_filters(stat, weight);
  }
  for (const auto& name : group_->aux_names()) monitor_stat(name, on_host(group_->aux(name)));
  for (const auto& [name, value] : monitor_lines_)
    log_->info(printf_string("Batch: %7lld %-30s %s\t", static_cast<long long>(monitor_step_), name.c_str(),
                             value.c_str()));
  // Gradients are not in MXNet's log, but the parameter monitor view wants them.
  for (const auto& name : group_->param_names())
    snapshot_.stats.push_back(stat_of(name + "_grad", on_host(group_->grad(name))));
  if (options_.observer) options_.observer->on_monitor(snapshot_);
  monitor_active_ = false;
}

void Trainer::apply_controls() {
  TrainingControl* control = options_.control;
  if (!control) return;
  control->wait_while_paused();
  if (control->stop_requested()) stopped_ = true;
  if (control->take_save_request()) save_requested_ = true;
  if (auto lr = control->take_learning_rate()) {
    kv_->exclusive([&] { optimizer_->set_learning_rate(*lr); });
    log_->info(printf_string("Learning rate set to %0.5e", *lr));
  }
  if (int extra = control->take_extra_epochs()) num_epochs_ += extra;
}

bool Trainer::batch_is_healthy(int epoch, int64_t nbatch, double loss) {
  std::string quantity = !std::isfinite(loss)                   ? "loss"
                         : !all_finite(group_->grad_buffer()) ? "gradient"
                                                                : "";
  // dist_sync: every worker applies or drops the same summed update.
  if (!kv_->any_worker(!quantity.empty())) return true;
  if (quantity.empty()) quantity = "loss or gradient of another worker";
  const std::string policy = config_.on_nonfinite;
  ++nonfinite_batches_;
  // Under skip-batch and continue, only the epoch's first such batch is
  // diagnosed: a run that stays diverged would replay every batch.
  const bool report = policy == "stop" || nonfinite_batches_ == 1;
  if (report) {
    // The monitor shows this batch, with its non-finite values, before the run
    // stops or pauses. The diagnosis replays the forward pass: its outputs
    // fill the snapshot unless --monitor collected this batch's already.
    NonFiniteEvent event;
    if (monitor_active_) {
      monitor_active_ = false;
      event = diagnose(epoch, nbatch, quantity);
      monitor_active_ = true;
    } else {
      start_snapshot(epoch);
      monitor_before_update();
      event = diagnose(epoch, nbatch, quantity);
    }
    monitor_toc();
    log_->record(NonFiniteRecord{epoch, nbatch, event.quantity, event.layer, event.kind, event.entry, policy});
    if (options_.observer) options_.observer->on_nonfinite(event);
    if (policy == "stop") {
      TrainingControl* control = options_.control;
      if (options_.pause_on_nonfinite && control) {
        log_->info(event.message + ". Paused: resume to go back to the weights before the last update and go "
                                   "on from the next batch, perhaps with a lower learning rate");
        control->pause();
        apply_controls();  // waits, then takes the rate the person set
        if (!stopped_) {
          roll_back();
          return false;
        }
      }
      log_->info("Error: " + event.message + ". Training stops; lower --lr, set --clip-gradient, or choose "
                 "--on-nonfinite skip-batch. " +
                 last_good_checkpoint());
      diverged_ = event;
      return false;
    }
    log_->info(event.message + (policy == "continue" ? ": its update is applied (--on-nonfinite continue)"
                                                     : ": its update is dropped (--on-nonfinite skip-batch)"));
  }
  return policy == "continue";
}

void Trainer::keep_rollback() {
  if (!options_.pause_on_nonfinite) return;
  const auto states = optimizer_->states();
  if (rollback_.num_update < 0) {
    rollback_.params = Tensor(group_->param_buffer().shape(), DType::Float32, group_->param_buffer().device());
    for (const auto& [name, t] : states) rollback_.states.emplace_back(t.shape(), DType::Float32, t.device());
  }
  rollback_.params.copy_from(group_->param_buffer());
  for (size_t i = 0; i < states.size(); ++i) rollback_.states[i].copy_from(states[i].second);
  rollback_.num_update = optimizer_->num_update();
}

void Trainer::roll_back() {
  if (rollback_.num_update < 0) {
    log_->info("Resumed: no update was applied yet, so the weights are the initial ones");
    return;
  }
  group_->param_buffer().copy_from(rollback_.params);
  const auto states = optimizer_->states();
  for (size_t i = 0; i < states.size(); ++i) states[i].second.copy_from(rollback_.states[i]);
  optimizer_->set_num_update(rollback_.num_update);
  group_->push_params();
  log_->info(printf_string("Resumed from the weights before update %lld, with learning rate %g",
                           static_cast<long long>(rollback_.num_update + 1), optimizer_->learning_rate()));
}

std::string Trainer::last_good_checkpoint() const {
  return last_saved_epoch_ >= 0 ? printf_string("The checkpoint of epoch %d is the last good one.", last_saved_epoch_)
                                : "No checkpoint was written.";
}

NonFiniteEvent Trainer::diagnose(int epoch, int64_t nbatch, const std::string& quantity) {
  NonFiniteEvent event;
  event.epoch = epoch;
  event.batch = nbatch;
  event.quantity = quantity;
  if (const auto source = diagnosis_.run(symbol_, *group_)) {
    event.layer = source->layer;
    event.kind = source->kind;
    event.entry = source->entry;
  }
  event.message = describe_nonfinite(event);
  return event;
}

std::optional<NameValues> Trainer::train_epoch(int epoch) {
  const auto tic = Clock::now();
  metric_->reset();
  epoch_data_state_ = data_.train->save_state();
  data_.train->reset();
  const int batch_size = config_.batch_size;
  const int frequent = config_.disp_batches;
  DataBatch batch;
  int64_t nbatch = 0;
  auto speed_tic = Clock::now();
  auto last_batch = Clock::now();
  double recent_speed = 0;
  while (data_.train->next(batch)) {
    // A stop that comes after the last batch lets the epoch complete.
    if (stopped_) {
      if (save_requested_) save_partial(epoch, nbatch);
      return std::nullopt;
    }
    monitor_tic(epoch);
    group_->load_batch(batch.data, batch.label);
    group_->forward(true);
    group_->backward();
    monitor_before_update();
    const int64_t valid = batch_size - batch.pad;
    const Tensor& output = group_->output(0);
    batch_loss_->reset();
    batch_loss_->update(batch.label, output, valid);
    // A batch of padding only (a dist worker past its share) has no loss: NaN by the metric's rule.
    const bool apply = batch_is_healthy(epoch, nbatch, valid > 0 ? batch_loss_->get_global()[0].second : 0.0);
    if (diverged_) return std::nullopt;
    if (apply) {
      keep_rollback();
      kv_->update();
      group_->push_params();
      metric_->update(batch.label, output, valid);
    }
    monitor_toc();

    // Speedometer(batch_size, frequent): the first call starts the clock.
    if (nbatch > 0 && nbatch % frequent == 0) {
      const double speed = frequent * batch_size / std::max(seconds_since(speed_tic), 1e-9);
      std::string msg = printf_string("Epoch[%d] Batch [%lld-%lld]\tSpeed: %.2f samples/sec", epoch,
                                      static_cast<long long>(nbatch - frequent), static_cast<long long>(nbatch), speed);
      for (const auto& [name, value] : metric_->get_local()) msg += printf_string("\t%s=%f", name.c_str(), value);
      metric_->reset_local();
      log_->info(msg);
      speed_tic = Clock::now();
    } else if (nbatch == 0) {
      speed_tic = Clock::now();
    }
    const double dt = seconds_since(last_batch);
    last_batch = Clock::now();
    recent_speed = recent_speed == 0 ? batch_size / std::max(dt, 1e-9) : 0.9 * recent_speed + 0.1 * batch_size / std::max(dt, 1e-9);
    // Read under the store's lock: dist_async's server thread updates through the same optimizer.
    int64_t num_update = 0;
    double last_lr = 0;
    kv_->exclusive([&] {
      num_update = optimizer_->num_update();
      last_lr = optimizer_->last_learning_rate();
    });
    BatchStats stats{epoch, nbatch, epoch_size_, num_update, last_lr, batch_loss_->get_global()[0].second,
                     recent_speed, metric_->get_local()};
    log_->record(BatchRecord{epoch, nbatch, stats.num_update, stats.learning_rate, stats.loss, stats.samples_per_sec});
    if (options_.observer) options_.observer->on_batch_end(stats);
    ++nbatch;
    apply_controls();
    stopped_ = kv_->any_worker(stopped_);
  }
  double lr = 0;
  int64_t num_update = 0;
  kv_->exclusive([&] {
    lr = optimizer_->learning_rate();
    num_update = optimizer_->num_update();
  });
  if (nonfinite_batches_ > 0)
    log_->info(printf_string("Epoch[%d] %lld batch(es) had a non-finite loss or gradient; their updates were %s "
                             "(--on-nonfinite %s)",
                             epoch, static_cast<long long>(nonfinite_batches_),
                             config_.on_nonfinite == "continue" ? "applied" : "dropped",
                             config_.on_nonfinite.c_str()));
  nonfinite_batches_ = 0;
  EpochStats stats{epoch, seconds_since(tic), lr, metric_->get_global(), {}};
  for (const auto& [name, value] : stats.train) log_->info(printf_string("Epoch[%d] Train-%s=%f", epoch, name.c_str(), value));
  log_->info(printf_string("Epoch[%d] Time cost=%.3f", epoch, stats.time_cost));
  const std::string prefix = config_.model_prefix;
  if (!prefix.empty() && ((epoch + 1) % config_.save_period == 0 || save_requested_)) save(epoch + 1);
  save_requested_ = false;
  if (data_.val) {
    stats.validation = validate();
    for (const auto& [name, value] : stats.validation)
      log_->info(printf_string("Epoch[%d] Validation-%s=%f", epoch, name.c_str(), value));
  }
  log_->record(EpochRecord{epoch, num_update, stats.time_cost, stats.learning_rate, stats.train, stats.validation});
  if (options_.observer) options_.observer->on_epoch_end(stats);
  return stats.validation;
}

NameValues Trainer::validate() {
  auto metric = create_fit_metrics(config_.top_k, config_.loss);
  data_.val->reset();
  DataBatch batch;
  while (data_.val->next(batch)) {
    group_->load_batch(batch.data, batch.label);
    group_->forward(false);
    metric->update(batch.label, group_->output(0), config_.batch_size - batch.pad);
  }
  return metric->get_global();
}

void Trainer::save(int epoch, bool partial) {
  // fit.py's _save_model: rank 0 writes to the prefix, rank r to "prefix-r".
  std::string prefix = config_.model_prefix;
  if (kv_->rank() > 0) prefix += "-" + std::to_string(kv_->rank());
  if (partial) prefix = partial_prefix(prefix);
  // The optimizer state must not change while it is written (dist_async).
  kv_->exclusive([&] { save_files(prefix, epoch, partial); });
}

void Trainer::save_partial(int epoch, int64_t batches_done) {
  save_requested_ = false;
  if (config_.model_prefix.empty()) {
    log_->info("Not saving: the run has no --model-prefix");
    return;
  }
  save(epoch, true);
  log_->info(printf_string(
      "Epoch[%d] stopped after %lld of its %lld batches: that checkpoint is partial. Resuming it "
      "(--load-prefix %s --load-epoch %d) trains epoch %d again from its first batch",
      epoch, static_cast<long long>(batches_done), static_cast<long long>(epoch_size_),
      partial_prefix(config_.model_prefix).c_str(), epoch, epoch));
}

void Trainer::save_files(const std::string& prefix, int epoch, bool partial) {
  group_->pull_aux();
  const Tensor& aux = group_->aux_buffer();
  if (!all_finite(group_->param_buffer()) || (aux.defined() && !all_finite(aux))) {
    log_->info(printf_string("Not saving epoch %d: its weights are not finite. ", epoch) +
               last_good_checkpoint());
    return;
  }
  Checkpoint c{symbol_, {}, {}};
  for (const auto& name : group_->param_names()) c.arg_params[name] = on_host(group_->param(name));
  for (const auto& name : group_->aux_names()) c.aux_params[name] = on_host(group_->aux(name));
  TrainingState state;
  state.epoch = epoch;
  state.num_update = optimizer_->num_update();
  state.learning_rate = optimizer_->learning_rate();  // informational
  state.optimizer = config_.optimizer;
  for (const auto& [name, t] : optimizer_->states()) {
    state.optimizer_states.names.push_back(name);
    state.optimizer_states.arrays.push_back(on_host(t));
  }
  state.rng_state = group_->rng_state();
  state.data_state = partial ? epoch_data_state_ : data_.train->save_state();
  // The .params file goes first: a save killed between the two leaves an
  // epoch that resumes with a fresh optimizer state (as MXNet's files do),
  // never a .states file without its weights.
  create_checkpoint_directory(prefix);
  save_checkpoint(prefix, epoch, c);
  save_training_state(states_path(prefix, epoch), state);
  log_->info("Saved checkpoint to \"" + params_path(prefix, epoch) + "\"");
  if (!partial) last_saved_epoch_ = epoch;
  if (options_.observer) options_.observer->on_checkpoint({epoch, params_path(prefix, epoch), states_path(prefix, epoch)});
}

FinishInfo Trainer::run() {
  // What the arguments alone decide is checked before anything is written.
  check_devices();
  const std::string network = config_.network;
  if (network.empty()) {
    std::string names;
    for (const auto& n : network_names()) names += (names.empty() ? "" : ", ") + n;
    throw ArgError("--network is required (choose from " + names + ")");
  }
  symbol_ = build_symbol(config_);
  std::string run_dir = options_.run_dir.empty() ? config_.run_directory() : options_.run_dir;
  const std::string& prefix = config_.model_prefix;
  // fit.py step 1: the kvstore, which knows this worker's rank.
  kv_ = KVStore::create(config_.kv_store,
                        {{config_.gc_type == "2bit", static_cast<float>(config_.gc_threshold)},
                         config_.dist_timeout});
  const int rank = kv_->rank();
  if (kv_->num_workers() > 1) {
    // Rank 0's directory (its default name holds the time), and a node<r>
    // folder in it for each other worker, so no two write the same files.
    run_dir = worker_run_dir(kv_->broadcast(run_dir), rank);
  }
  // Before anything is written or allocated: what the run needs against what
  // is free. --summary shows it; a run that cannot fit stops here (--test-io
  // binds no network). Data that cannot be found is left out: --summary reads
  // none, and make_fit_data says what is wrong with it, into the run's log.
  const bool summary = config_.summary != 0;
  std::string data_missing;
  const TrainingMemorySetup memory =
      memory_setup(config_, options_, devices_, kv_->type(), data_partition(), &data_missing);
  const MemoryEstimate estimate = estimate_training_memory(symbol_, memory);
  const std::string shortfall = memory_shortfall(memory, estimate);
  if (!shortfall.empty() && !summary && !config_.test_io) fail("out of memory: ", shortfall);
  log_ = std::make_unique<RunLog>(run_dir, options_.observer, options_.log_to_stderr, rank);
  log_->info("start with arguments " + args_.namespace_repr());
  if (kv_->type() == "nccl" && devices_.size() == 1 && devices_[0].is_cpu())
    log_->info("--kv-store nccl without --gpus: the CPU alone has no gradients to all-reduce, so this run trains "
               "as --kv-store local would; give GPUs with --gpus to use NCCL");
  if (!prefix.empty()) {
    const std::string own = rank > 0 ? prefix + "-" + std::to_string(rank) : prefix;
    for (const auto& path : remove_stale_temporaries(own))
      log_->info("Removed " + path + ", left by a save that was interrupted");
  }

  const uint64_t seed = static_cast<uint64_t>(config_.seed);
  if (summary) {
    // Only the network and the data shape: no data is read and nothing trains.
    std::istringstream table(network_summary(symbol_, {{"data", memory.data_shape(memory.batch_size)}}));
    log_->open(args_.to_json());
    for (std::string line; std::getline(table, line);) log_->info(line);
    for (const auto& line : describe_memory_estimate(estimate)) log_->info(line);
    if (!data_missing.empty()) log_->info("The data is not counted: " + data_missing);
    if (!shortfall.empty()) log_->info("This run would not fit: " + shortfall);
    return completed_without_training();
  }
  data_ = make_fit_data(config_, seed, data_partition());

  const int batch_size = config_.batch_size;
  if (config_.test_io) {
    log_->open(args_.to_json());
    auto tic = Clock::now();
    DataBatch batch;
    data_.train->reset();
    for (int64_t i = 0; data_.train->next(batch); ++i) {
      if ((i + 1) % config_.disp_batches == 0) {
        log_->info(printf_string("Batch [%lld]\tSpeed: %.2f samples/sec", static_cast<long long>(i),
                                 config_.disp_batches * batch_size / seconds_since(tic)));
        tic = Clock::now();
      }
      if (options_.control && options_.control->stop_requested()) break;
    }
    return completed_without_training();
  }

  setup_model();
  // fit.py's get_epoch_size: ceil(floor(num_examples / workers) / batch);
  // each worker reads its own share, so the data set is the sum of the shares.
  const int64_t num_examples = config_.num_examples ? *config_.num_examples
                               : is_distributed_kvstore(kv_->type())
                                   ? kv_->sum_over_workers(data_.train->num_examples())
                                   : data_.train->num_examples();
  const int64_t per_worker = num_examples / kv_->num_workers();
  epoch_size_ = static_cast<int64_t>(std::ceil(double(per_worker) / double(batch_size)));
  if (kv_->sums_worker_batches()) {
    log_->info(printf_string("Resizing training data to %lld batches per machine", static_cast<long long>(epoch_size_)));
    data_.train = make_resize_iter(std::move(data_.train), epoch_size_);
  }
  num_epochs_ = config_.num_epochs;
  const int begin_epoch = config_.begin_epoch();

  // Arguments, then aux states, each in sorted name order (Module.init_params),
  // drawn on the host and copied to wherever the parameters live.
  init_rng_.seed(seed);
  {
    // In place where the master copy is on the host, so the weights are not
    // held twice; else into host copies sent over and dropped.
    auto initializer = create_initializer(config_.initializer, network);
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

  std::optional<TrainingState> state;
  if (config_.load_epoch) {
    restore(begin_epoch);
    last_saved_epoch_ = begin_epoch;
    const std::string states = states_path(load_prefix(config_, kv_->rank()), begin_epoch);
    if (fine_tune_) {
      log_->info("Fine-tuning: the optimizer state and the update count start afresh");
    } else if (std::filesystem::exists(states)) {
      state = load_training_state(states);
      if (state->optimizer != config_.optimizer)
        fail(states, " holds the state of optimizer '", state->optimizer, "' but --optimizer is '",
             config_.optimizer, "'");
    } else {
      log_->info("No " + states + ": the optimizer state starts afresh");
    }
  }

  const LogLine log_line = [this](const std::string& line) { log_->info(line); };
  auto [lr, scheduler] = make_scheduler(config_, epoch_size_, begin_epoch, state ? state->num_update : 0, log_line);
  if (scheduler) scheduler->set_logger(log_line);
  OptimizerParams op;
  op.learning_rate = lr;
  op.wd = static_cast<float>(config_.wd);
  const std::string opt_name = config_.optimizer;
  op.momentum = momentum_of(config_);
  // Module.init_optimizer: the batch of one update spans the sync workers.
  const int update_batch = batch_size * (kv_->sums_worker_batches() ? kv_->num_workers() : 1);
  op.rescale_grad = 1.0f / static_cast<float>(update_batch);
  op.clip_gradient = static_cast<float>(config_.clip_gradient);
  op.lr_scheduler = scheduler;
  optimizer_ = Optimizer::create(opt_name, op);
  for (const auto& name : group_->param_names()) params_.push_back({name, group_->param(name), group_->grad(name)});
  optimizer_->create_states(params_);
  if (state) {
    const auto states = optimizer_->states();
    if (states.size() != state->optimizer_states.arrays.size())
      fail(states_path(load_prefix(config_, kv_->rank()), begin_epoch), " does not match this network's optimizer state");
    for (size_t i = 0; i < states.size(); ++i) states[i].second.copy_from(to_float32(state->optimizer_states.arrays[i]));
    optimizer_->set_num_update(state->num_update);
    group_->set_rng_state(state->rng_state);
    data_.train->load_state(state->data_state);
  }
  kv_->init({params_, group_->param_buffer(), group_->grad_buffer(), group_->aux_buffer(), optimizer_.get()}, log_line);
  // Every executor starts from the master parameters and aux states (initialised, loaded or broadcast).
  group_->push_params();
  group_->push_aux();
  metric_ = create_fit_metrics(config_.top_k, config_.loss);
  monitor_interval_ = config_.monitor;

  // Set up: from here on the run writes into its directory.
  log_->open(args_.to_json());
  if (options_.observer) {
    RunInfo info{network, log_->dir(), begin_epoch, num_epochs_, epoch_size_, batch_size, group_->param_names()};
    options_.observer->on_start(info);
  }
  FinishInfo finish;
  int epoch = begin_epoch;
  for (; epoch < num_epochs_ && !stopped_; ++epoch) {
    auto validation = train_epoch(epoch);
    if (!validation) {
      if (!diverged_) log_->info(printf_string("Stopped in epoch %d; the last complete checkpoint is kept", epoch));
      break;
    }
    finish.last_validation = std::move(*validation);
    finish.epochs_done = epoch + 1 - begin_epoch;
  }
  // A save asked for while the last epoch validated, after its checkpoint was decided.
  if (options_.control && options_.control->take_save_request() && epoch == num_epochs_ && !prefix.empty() &&
      last_saved_epoch_ != epoch)
    save(epoch);
  kv_->finish();
  finish.stopped = stopped_;
  finish.diverged = diverged_;
  finish.completed = epoch >= num_epochs_ && !diverged_;
  return finish;
}

}  // namespace

FinishInfo fit(const FitArgs& args, const FitOptions& options) {
  std::optional<Trainer> trainer;
  FinishInfo finish;
  try {
    trainer.emplace(args, options);
    finish = trainer->run();
  } catch (const std::exception& e) {
    finish.error = e.what();
    if (trainer) trainer->log_failure(finish.error);
    if (options.observer) options.observer->on_finish(finish);
    throw;
  }
  if (options.observer) options.observer->on_finish(finish);
  return finish;
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

MemoryEstimate estimate_fit_memory(const FitConfig& config, const FitOptions& options) {
  const std::vector<Device> devices = usable_devices(config.gpus);
  return estimate_training_memory(
      build_symbol(config), memory_setup(config, options, devices, config.kv_store, {}, nullptr));
}

std::vector<double> learning_rate_schedule(const FitConfig& config, int64_t epoch_size, int64_t updates) {
  const auto [lr, scheduler] = make_scheduler(config, epoch_size, config.begin_epoch(), 0, [](const std::string&) {});
  std::vector<double> rates;
  rates.reserve(static_cast<size_t>(std::max<int64_t>(updates, 0)));
  for (int64_t u = 1; u <= updates; ++u) rates.push_back(scheduler ? (*scheduler)(u) : lr);
  return rates;
}

FitArgs train_mnist_defaults() {
  FitArgs args;
  args.set("network", "mlp");
  args.set("batch-size", "64");
  args.set("disp-batches", "100");
  args.set("num-epochs", "20");
  args.set("lr", "0.05");
  args.set("lr-step-epochs", "10");
  args.set("num-classes", "10");
  args.set("num-examples", "60000");
  args.set("image-shape", "1,28,28");
  return args;
}

}  // namespace fitbench
