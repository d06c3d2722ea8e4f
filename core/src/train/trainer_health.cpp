// What a non-finite loss or gradient sets off (--on-nonfinite): the
// diagnosis naming the first non-finite value, the record and the log line,
// then stop, skip the batch, apply it anyway, or (the application) pause and
// roll back to the weights at the start of the epoch.
#include "pyformat.h"
#include "train/trainer.h"

namespace fitbench {

bool Trainer::batch_is_healthy(int epoch, int64_t nbatch, double loss) {
  std::string quantity = !std::isfinite(loss) ? "loss" : !all_finite(group_->grad_buffer()) ? "gradient" : "";
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
    if (monitor_.collecting()) {
      monitor_.set_collecting(false);
      event = diagnose(epoch, nbatch, quantity);
      monitor_.set_collecting(true);
    } else {
      monitor_.collect(epoch);
      monitor_.before_update(params_);
      event = diagnose(epoch, nbatch, quantity);
    }
    monitor_.toc(
        symbol_, *group_, [this](const std::string& line) { log(line); }, options_.observer);
    log_->record(
        NonFiniteRecord{epoch, nbatch, event.quantity, event.layer, event.kind, event.entry, policy});
    if (options_.observer) options_.observer->on_nonfinite(event);
    if (policy == "stop") {
      TrainingControl* control = options_.control;
      if (options_.pause_on_nonfinite && control) {
        log(event.message +
            ". Paused: resume to go back to the weights at the start of the epoch and go "
            "on from the next batch, perhaps with a lower learning rate");
        control->pause();
        apply_controls();  // waits, then takes the rate the person set
        if (!stopped_) {
          roll_back();
          return false;
        }
      }
      log("Error: " + event.message +
          ". Training stops; lower --lr, set --clip-gradient, or choose "
          "--on-nonfinite skip-batch. " +
          last_good_checkpoint());
      diverged_ = event;
      return false;
    }
    log(event.message + (policy == "continue" ? ": its update is applied (--on-nonfinite continue)"
                                              : ": its update is dropped (--on-nonfinite skip-batch)"));
  }
  return policy == "continue";
}

void Trainer::keep_rollback(int epoch) {
  if (!options_.pause_on_nonfinite) return;
  const auto states = optimizer_->states();
  if (rollback_.num_update < 0) {
    rollback_.params =
        Tensor(group_->param_buffer().shape(), DType::Float32, group_->param_buffer().device());
    for (const auto& [name, t] : states) rollback_.states.emplace_back(t.shape(), DType::Float32, t.device());
  }
  rollback_.params.copy_from(group_->param_buffer());
  for (size_t i = 0; i < states.size(); ++i) rollback_.states[i].copy_from(states[i].second);
  rollback_.num_update = optimizer_->num_update();
  rollback_.epoch = epoch;
}

void Trainer::roll_back() {
  group_->param_buffer().copy_from(rollback_.params);
  const auto states = optimizer_->states();
  for (size_t i = 0; i < states.size(); ++i) states[i].second.copy_from(rollback_.states[i]);
  optimizer_->set_num_update(rollback_.num_update);
  group_->push_params();
  log(printf_string("Resumed from the weights at the start of epoch %d (before update %lld), with learning rate "
                    "%g; the epoch goes on from its next batch",
                    rollback_.epoch, static_cast<long long>(rollback_.num_update + 1), optimizer_->learning_rate()));
}

std::string Trainer::last_good_checkpoint() const {
  return last_saved_epoch_ >= 0
             ? printf_string("The checkpoint of epoch %d is the last good one.", last_saved_epoch_)
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

}  // namespace fitbench
