// fitbench's training-state file (.states): what a resumed run needs besides
// the weights, written to a temporary name and renamed into place.
#pragma once

#include <cstdint>
#include <string>

#include "fitbench/ndarray_file.h"

namespace fitbench {

// Everything besides the weights that a resumed run needs to continue exactly.
struct TrainingState {
  int32_t epoch = 0;              // epochs completed; a snapshot's: the epoch in progress
  int64_t batches_done = 0;       // a snapshot's batches of that epoch already trained; else 0
  // A snapshot's batch size and batches per epoch: its position means
  // nothing to a run that cuts the epoch otherwise. 0 where unknown (older files).
  int32_t batch_size = 0;
  int64_t epoch_batches = 0;
  int64_t num_update = 0;         // optimizer update count
  float learning_rate = 0.0f;     // the learning rate the next update would use
  std::string optimizer;          // name, to refuse a mismatched resume
  NamedArrays optimizer_states;   // momentum, adam moments, ...
  std::string rng_state;          // std::mt19937_64 text state (dropout, init)
  std::string data_state;         // DataIter::save_state(); a snapshot's: at its epoch's start
};

// "FBST" magic, u32 version, then the fields above. Version 1 files (before
// batches_done) load with batches_done 0; versions 1 and 2 (before
// batch_size and epoch_batches) with those 0.
void save_training_state(const std::string& path, const TrainingState& state);
TrainingState load_training_state(const std::string& path);

}  // namespace fitbench
