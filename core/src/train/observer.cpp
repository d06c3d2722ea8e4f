#include "fitbench/observer.h"

namespace fitbench {

void TrainingControl::pause() { paused_ = true; }

void TrainingControl::resume() {
  {
    std::lock_guard lock(mutex_);
    paused_ = false;
  }
  wake_.notify_all();
}

void TrainingControl::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
}

void TrainingControl::request_save() { save_ = true; }

void TrainingControl::stop_and_save() {
  // The save first: the loop must never see the stop without it.
  request_save();
  stop();
}

void TrainingControl::set_learning_rate(double lr) {
  std::lock_guard lock(mutex_);
  new_lr_ = lr;
}

void TrainingControl::extend_epochs(int extra) { extra_epochs_ += extra; }

void TrainingControl::wait_while_paused() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return !paused_ || stop_; });
}

std::optional<double> TrainingControl::take_learning_rate() {
  std::lock_guard lock(mutex_);
  auto lr = new_lr_;
  new_lr_.reset();
  return lr;
}

}  // namespace fitbench
