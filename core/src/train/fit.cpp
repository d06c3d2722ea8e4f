// fit(): MXNet's common/fit.py and Module.fit, step by step
// (docs/mxnet-compatibility.md section 3.1).
#include "fitbench/fit.h"

#include <algorithm>
#include <utility>

#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/models.h"
#include "pyformat.h"
#include "train/fit_plan.h"
#include "train/trainer.h"

namespace fitbench {

Trainer::Trainer(const FitArgs& args, const FitOptions& options)
    : args_(args), config_(FitConfig::resolve(args)), options_(options), monitor_(config_.monitor) {}

FinishInfo Trainer::run() {
  check_arguments();
  const std::string run_dir = open_kvstore();
  const MemoryPlan memory = plan_memory();
  start_log(run_dir);
  if (config_.summary) return print_summary(memory);
  // Skipped images are the run's news: into its log, from the data's reading threads.
  data_ = make_fit_data(config_, static_cast<uint64_t>(config_.seed), data_partition(),
                        [this](const std::string& warning) { log("WARNING: " + warning); });
  if (config_.test_io) return test_io();
  setup_model();
  set_epoch_size();
  initialize_params();
  const std::optional<TrainingState> state = load_state();
  init_optimizer(state);
  announce_start();
  return train();
}

// What the arguments alone decide is checked before anything is written.
void Trainer::check_arguments() {
  check_start(config_);
  devices_ = devices_of(config_.gpus);
  symbol_ = build_symbol(config_);
}

// fit.py step 1: the kvstore, which knows this worker's rank.
std::string Trainer::open_kvstore() {
  kv_ = KVStore::create(
      config_.kv_store,
      {{config_.gc_type == "2bit", static_cast<float>(config_.gc_threshold)}, config_.dist_timeout});
  // Rank 0 names a new run directory for all by making it; --summary and
  // --test-io write none.
  const bool writes_run = kv_->rank() == 0 && !config_.summary && !config_.test_io;
  made_run_dir_ = writes_run && options_.run_dir.empty() && config_.names_new_run_directory();
  std::string run_dir = !options_.run_dir.empty() ? options_.run_dir
                        : made_run_dir_           ? config_.claim_run_directory()
                                                  : config_.run_directory();
  // Rank 0's directory (its default name holds the time) for every worker.
  if (kv_->num_workers() > 1) run_dir = worker_run_dir(kv_->broadcast(run_dir), kv_->rank());
  return run_dir;
}

DataPartition Trainer::data_partition() const {
  return is_distributed_kvstore(kv_->type()) ? DataPartition{kv_->num_workers(), kv_->rank()}
                                             : DataPartition{};
}

// Before anything is written or allocated: what the run needs against what
// is free. A run that cannot fit stops here; --summary shows it, --test-io
// binds no network. Data that cannot be found is left out: --summary reads
// none, and make_fit_data says what is wrong with it, into the run's log.
Trainer::MemoryPlan Trainer::plan_memory() {
  MemoryPlan plan;
  std::string data_missing;
  plan.setup = memory_setup(config_, options_, devices_, kv_->type(), data_partition(), &data_missing);
  plan.check = check_memory(symbol_, plan.setup);
  plan.check.data_missing = std::move(data_missing);
  if (!plan.check.shortfall.empty() && !config_.summary && !config_.test_io)
    fail("out of memory: ", plan.check.shortfall);
  return plan;
}

// The log's first lines. Nothing is written into the run directory yet.
void Trainer::start_log(const std::string& run_dir) {
  const int rank = kv_->rank();
  log_ = std::make_unique<RunLog>(run_dir, options_.observer, options_.log_to_stderr, rank, config_.tensorboard);
  if (made_run_dir_) log_->remove_unless_opened();
  log("start with arguments " + args_.namespace_repr());
  // Where each worker runs: the lines of every rank meet in mpirun's output (the application shows them).
  if (kv_->num_workers() > 1)
    log(printf_string("Worker rank %d of %d runs on host %s", rank, kv_->num_workers(), host_name().c_str()));
  if (kv_->type() == "nccl" && devices_.size() == 1 && devices_[0].is_cpu())
    log("--kv-store nccl without --gpus: the CPU alone has no gradients to all-reduce, so this run trains "
        "as --kv-store local would; give GPUs with --gpus to use NCCL");
  if (config_.model_prefix.empty()) return;
  const std::string own = rank > 0 ? config_.model_prefix + "-" + std::to_string(rank) : config_.model_prefix;
  for (const auto& path : remove_stale_temporaries(own))
    log("Removed " + path + ", left by a save that was interrupted");
}

// fit.py's get_epoch_size; without --num-examples each worker reads its own
// share, so the data set is the sum of the shares.
void Trainer::set_epoch_size() {
  const int64_t num_examples = config_.num_examples ? *config_.num_examples
                               : is_distributed_kvstore(kv_->type())
                                   ? kv_->sum_over_workers(data_.train->num_examples())
                                   : data_.train->num_examples();
  epoch_size_ = epoch_size(num_examples, kv_->num_workers(), config_.batch_size);
  if (kv_->sums_worker_batches()) {
    log(printf_string("Resizing training data to %lld batches per machine",
                      static_cast<long long>(epoch_size_)));
    data_.train = make_resize_iter(std::move(data_.train), epoch_size_);
  }
  begin_epoch_ = config_.begin_epoch();
  num_epochs_ = config_.num_epochs;
}

// Module.init_optimizer, with the state of a resumed run.
void Trainer::init_optimizer(const std::optional<TrainingState>& state) {
  const LogLine log_line = [this](const std::string& line) { log(line); };
  // The steps count from the updates done when begin_epoch_ began (a partial checkpoint's epoch is under way).
  const int64_t updates_before = state ? state->num_update - state->batches_done : 0;
  auto [lr, scheduler] = make_scheduler(config_, epoch_size_, begin_epoch_, updates_before, log_line);
  if (scheduler) scheduler->set_logger(log_line);
  OptimizerParams op;
  op.learning_rate = lr;
  op.wd = static_cast<float>(config_.wd);
  op.momentum = momentum_of(config_);
  set_optimizer_options(op, config_, epoch_size_, kv_->num_workers());
  // The batch of one update spans the sync workers.
  const int update_batch = config_.batch_size * (kv_->sums_worker_batches() ? kv_->num_workers() : 1);
  op.rescale_grad = 1.0f / static_cast<float>(update_batch);
  op.clip_gradient = static_cast<float>(config_.clip_gradient);
  op.lr_scheduler = scheduler;
  optimizer_ = Optimizer::create(config_.optimizer, op);
  for (const auto& name : group_->param_names())
    params_.push_back({name, group_->param(name), group_->grad(name)});
  optimizer_->create_states(params_);
  if (state) {
    const auto states = optimizer_->states();
    if (states.size() != state->optimizer_states.arrays.size())
      fail(states_path(load_prefix(config_, kv_->rank()), begin_epoch_),
           " does not match this network's optimizer state");
    for (size_t i = 0; i < states.size(); ++i)
      states[i].second.copy_from(to_float32(state->optimizer_states.arrays[i]));
    optimizer_->set_num_update(state->num_update);
    group_->set_rng_state(state->rng_state);
    data_.train->load_state(state->data_state);
  }
  kv_->init({params_, group_->param_buffer(), group_->grad_buffer(), group_->aux_buffer(), optimizer_.get()},
            log_line);
  // Every executor starts from the master parameters and aux states (initialised, loaded or broadcast).
  group_->push_params();
  group_->push_aux();
  metric_ = create_fit_metrics(config_.top_k, config_.loss);
}

// Set up: from here on the run writes into its directory.
void Trainer::announce_start() {
  log_->open(args_.to_json(), begin_epoch_, num_epochs_);
  if (options_.observer)
    options_.observer->on_start(RunInfo{config_.network, log_->dir(), begin_epoch_, num_epochs_, epoch_size_,
                                        config_.batch_size, group_->param_names()});
}

// The epochs, until the last, a stop or a divergence.
FinishInfo Trainer::train() {
  FinishInfo finish;
  int epoch = begin_epoch_;
  if (epoch >= num_epochs_)
    log(printf_string("Nothing to train: the run starts at epoch %d and --num-epochs %d is the epoch it ends at "
                      "(not the epochs to add); give --num-epochs %d to train one more",
                      epoch, num_epochs_, epoch + 1));
  for (; epoch < num_epochs_ && !stopped_; ++epoch) {
    auto validation = train_epoch(epoch);
    if (!validation) {
      if (!diverged_)
        log(last_saved_epoch_ >= 0
                ? printf_string("Stopped in epoch %d; the checkpoint of epoch %d is the last complete one", epoch,
                                last_saved_epoch_)
                : printf_string("Stopped in epoch %d; no complete epoch was saved", epoch));
      break;
    }
    finish.last_validation = std::move(*validation);
    finish.epochs_done = epoch + 1 - begin_epoch_;
  }
  // A save asked for while the last epoch validated, after its checkpoint was decided.
  if (options_.control && options_.control->take_save_request() && epoch == num_epochs_ &&
      !config_.model_prefix.empty() && last_saved_epoch_ != epoch)
    save(epoch);
  kv_->finish();
  finish.stopped = stopped_;
  finish.diverged = diverged_;
  finish.completed = epoch >= num_epochs_ && !diverged_;
  return finish;
}

std::optional<NameValues> Trainer::train_epoch(int epoch) {
  const auto tic = Clock::now();
  metric_->reset();
  epoch_data_state_ = data_.train->save_state();
  data_.train->reset();
  const int batch_size = config_.batch_size;
  const int frequent = config_.disp_batches;
  const int64_t first_batch = resume_batches_ > 0 ? skip_trained_batches(epoch) : 0;
  keep_rollback(epoch);
  DataBatch batch;
  int64_t nbatch = first_batch;
  auto speed_tic = Clock::now();
  auto last_batch = Clock::now();
  double recent_speed = 0;
  // A pause (asked for, or on a non-finite value) is no training time: the
  // Speedometer's clocks stop with it.
  const auto discount_pauses = [&] {
    const auto paused = std::exchange(paused_time_, Clock::duration{});
    speed_tic += paused;
    last_batch += paused;
  };
  while (data_.train->next(batch)) {
    // A stop that comes after the last batch lets the epoch complete.
    if (stopped_) {
      if (save_requested_) save_partial(epoch, nbatch);
      return std::nullopt;
    }
    if (!train_batch(epoch, nbatch, batch)) return std::nullopt;
    discount_pauses();
    // Speedometer(batch_size, frequent): the first call starts the clock.
    if (nbatch > first_batch && nbatch % frequent == 0) {
      // A resumed epoch's first window starts at its first trained batch.
      const int64_t window = std::min<int64_t>(frequent, nbatch - first_batch);
      const double speed = double(window) * batch_size / std::max(seconds_since(speed_tic), 1e-9);
      std::string msg =
          printf_string("Epoch[%d] Batch [%lld-%lld]\tSpeed: %.2f samples/sec", epoch,
                        static_cast<long long>(nbatch - window), static_cast<long long>(nbatch), speed);
      for (const auto& [name, value] : metric_->get_local())
        msg += printf_string("\t%s=%f", name.c_str(), value);
      metric_->reset_local();
      log(msg);
      speed_tic = Clock::now();
    } else if (nbatch == first_batch) {
      speed_tic = Clock::now();
    }
    const double rate = batch_size / std::max(seconds_since(last_batch), 1e-9);
    last_batch = Clock::now();
    recent_speed = recent_speed == 0 ? rate : 0.9 * recent_speed + 0.1 * rate;
    report_batch(epoch, nbatch, recent_speed);
    ++nbatch;
    apply_controls();
    discount_pauses();
    stopped_ = kv_->any_worker(stopped_);
  }
  const EpochStats stats = end_epoch(epoch, seconds_since(tic));
  return stats.validation;
}

int64_t Trainer::skip_trained_batches(int epoch) {
  DataBatch batch;
  int64_t skipped = 0;
  while (skipped < resume_batches_ && data_.train->next(batch)) ++skipped;
  resume_batches_ = 0;
  log(printf_string("Epoch[%d] skipped its first %lld batches, trained before the stop; its Train- metrics "
                    "count the batches after them",
                    epoch, static_cast<long long>(skipped)));
  return skipped;
}

bool Trainer::train_batch(int epoch, int64_t nbatch, const DataBatch& batch) {
  monitor_.tic(epoch);
  group_->load_batch(batch.data, batch.label);
  group_->forward(true);
  group_->backward();
  monitor_.before_update(params_);
  const int64_t valid = config_.batch_size - batch.pad;
  const Tensor& output = group_->output(0);
  batch_loss_->reset();
  batch_loss_->update(batch.label, output, valid);
  // A batch of padding only (a dist worker past its share) has no loss: NaN by the metric's rule.
  const bool apply = batch_is_healthy(epoch, nbatch, valid > 0 ? batch_loss_->get_global()[0].second : 0.0);
  if (diverged_) return false;
  if (apply) {
    kv_->update();
    group_->push_params();
    metric_->update(batch.label, output, valid);
  }
  const MonitorSnapshot* sampled =
      monitor_.toc(symbol_, *group_, [this](const std::string& line) { log(line); }, options_.observer);
  if (sampled) {
    int64_t num_update = 0;
    kv_->exclusive([&] { num_update = optimizer_->num_update(); });
    log_->monitor(*sampled, num_update);
  }
  return true;
}

// The batch's record and the observer's snapshot.
void Trainer::report_batch(int epoch, int64_t nbatch, double recent_speed) {
  // Read under the store's lock: dist_async's server thread updates through the same optimizer.
  int64_t num_update = 0;
  double last_lr = 0;
  kv_->exclusive([&] {
    num_update = optimizer_->num_update();
    last_lr = optimizer_->last_learning_rate();
  });
  const BatchStats stats{epoch,        nbatch,
                         epoch_size_,  num_update,
                         last_lr,      batch_loss_->get_global()[0].second,
                         recent_speed, metric_->get_local()};
  log_->record(
      BatchRecord{epoch, nbatch, stats.num_update, stats.learning_rate, stats.loss, stats.samples_per_sec, stats.metrics});
  if (options_.observer) options_.observer->on_batch_end(stats);
}

// fit.py's epoch end: the training metrics, the checkpoint, the validation.
EpochStats Trainer::end_epoch(int epoch, double time_cost) {
  double lr = 0;
  int64_t num_update = 0;
  kv_->exclusive([&] {
    lr = optimizer_->learning_rate();
    num_update = optimizer_->num_update();
  });
  if (nonfinite_batches_ > 0)
    log(printf_string(
        "Epoch[%d] %lld batch(es) had a non-finite loss or gradient; their updates were %s "
        "(--on-nonfinite %s)",
        epoch, static_cast<long long>(nonfinite_batches_),
        config_.on_nonfinite == "continue" ? "applied" : "dropped", config_.on_nonfinite.c_str()));
  nonfinite_batches_ = 0;
  EpochStats stats{epoch, time_cost, lr, metric_->get_global(), {}};
  for (const auto& [name, value] : stats.train)
    log(printf_string("Epoch[%d] Train-%s=%f", epoch, name.c_str(), value));
  log(printf_string("Epoch[%d] Time cost=%.3f", epoch, stats.time_cost));
  if (!config_.model_prefix.empty() && ((epoch + 1) % config_.save_period == 0 || save_requested_))
    save(epoch + 1);
  save_requested_ = false;
  if (data_.val) {
    stats.validation = validate();
    for (const auto& [name, value] : stats.validation)
      log(printf_string("Epoch[%d] Validation-%s=%f", epoch, name.c_str(), value));
  }
  log_->record(
      EpochRecord{epoch, num_update, stats.time_cost, stats.learning_rate, stats.train, stats.validation});
  if (options_.observer) options_.observer->on_epoch_end(stats);
  return stats;
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

void Trainer::apply_controls() {
  TrainingControl* control = options_.control;
  if (!control) return;
  const auto before = Clock::now();
  control->wait_while_paused();
  paused_time_ += Clock::now() - before;
  if (control->stop_requested()) stopped_ = true;
  if (control->take_save_request()) save_requested_ = true;
  if (auto lr = control->take_learning_rate()) {
    kv_->exclusive([&] { optimizer_->set_learning_rate(*lr); });
    log(printf_string("Learning rate set to %0.5e", *lr));
  }
  if (int extra = control->take_extra_epochs()) num_epochs_ += extra;
}

FinishInfo fit(const FitArgs& args, const FitOptions& options) {
  std::optional<Trainer> trainer;
  FinishInfo finish;
  try {
    naming_arguments([&] {
      trainer.emplace(args, options);
      finish = trainer->run();
    });
  } catch (const std::exception& e) {
    finish.error = e.what();
    try {
      if (trainer) trainer->record_end(finish);
    } catch (const std::exception&) {
      // The error that ended the run is the one to report, not a failed write of it.
    }
    if (options.observer) options.observer->on_finish(finish);
    throw;
  }
  trainer->record_end(finish);
  if (options.observer) options.observer->on_finish(finish);
  return finish;
}

}  // namespace fitbench
